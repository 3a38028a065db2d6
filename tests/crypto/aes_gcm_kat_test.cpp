// Known-answer tests for AesGcmKey (AES-256-GCM, 96-bit IV, 128-bit tag).
//
// Sources:
// - NIST CAVP GCMVS, gcmtestvectors.zip: gcmEncryptExtIV256.rsp and gcmDecrypt256.rsp
//   ([Keylen = 256] [IVlen = 96] [Taglen = 128]), the selection transcribed in Chromium's
//   QUICHE tests (quic/core/crypto/aes_256_gcm_{en,de}crypter_test.cc). In the decrypt file a
//   vector marked FAIL must be rejected: its tag does not authenticate.
// - McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)" (2005), test cases 13-16,
//   the AES-256 cases with a 96-bit IV.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/aes_gcm.h"
#include "crypto/hex.h"
#include "crypto/secret.h"

namespace hsmsim::crypto {
namespace {

std::vector<uint8_t> unhex(const char* text) {
  std::optional<std::vector<uint8_t>> bytes = hex_decode(text);
  if (!bytes) throw std::invalid_argument(std::string("bad hex in a test vector: ") + text);
  return *bytes;
}

template <std::size_t N>
std::array<uint8_t, N> unhex_array(const char* text) {
  const std::vector<uint8_t> bytes = unhex(text);
  if (bytes.size() != N) throw std::invalid_argument(std::string("wrong length: ") + text);
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

AesGcmKey key_from_hex(const char* text) {
  return AesGcmKey(KeyMaterial::from_bytes(unhex_array<kKeyMaterialBytes>(text)));
}

struct EncryptVector {
  const char* name;
  const char* key;
  const char* iv;
  const char* pt;
  const char* aad;
  const char* ct;
  const char* tag;
};

struct DecryptVector {
  const char* name;
  const char* key;
  const char* iv;
  const char* ct;
  const char* aad;
  const char* tag;
  const char* pt;  // nullptr: FAIL, the tag must not authenticate
};

// gcmEncryptExtIV256.rsp
const EncryptVector kCavpEncrypt[] = {
    {"PTlen0_AADlen0_a", "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
     "516c33929df5a3284ff463d7", "", "", "", "bdc1ac884d332457a1d2664f168c76f0"},
    {"PTlen0_AADlen0_b", "5fe0861cdc2690ce69b3658c7f26f8458eec1c9243c5ba0845305d897e96ca0f",
     "770ac1a5a3d476d5d96944a1", "", "", "", "196d691e1047093ca4b3d2ef4baba216"},
    {"PTlen0_AADlen128_a", "78dc4e0aaf52d935c3c01eea57428f00ca1fd475f5da86a49c8dd73d68c8e223",
     "d79cf22d504cc793c3fb6c8a", "", "b96baa8c1c75a671bfb2d08d06be5f36", "",
     "3e5d486aa2e30b22e040b85723a06e76"},
    {"PTlen0_AADlen128_b", "4457ff33683cca6ca493878bdc00373893a9763412eef8cddb54f91318e0da88",
     "699d1f29d7b8c55300bb1fd2", "", "6749daeea367d0e9809e2dc2f309e6e3", "",
     "d60c74d2517fde4a74e0cd4709ed43a9"},
    {"PTlen128_AADlen0_a", "31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22",
     "0d18e06c7c725ac9e362e1ce", "2db5168e932556f8089a0622981d017d", "",
     "fa4362189661d163fcd6a56d8bf0405a", "d636ac1bbedd5cc3ee727dc2ab4a9489"},
    {"PTlen128_AADlen0_b", "460fc864972261c2560e1eb88761ff1c992b982497bd2ac36c04071cbb8e5d99",
     "8a4a16b9e210eb68bcb6f58d", "99e4e926ffe927f691893fb79a96b067", "",
     "133fc15751621b5f325c7ff71ce08324", "ec4e87e0cf74a13618d0b68636ba9fa7"},
    {"PTlen408_AADlen160_a", "24501ad384e473963d476edcfe08205237acfd49b5b8f33857f8114e863fec7f",
     "9ff18563b978ec281b3f2794",
     "27f348f9cdc0c5bd5e66b1ccb63ad920ff2219d14e8d631b3872265cf117ee86757accb158bd9abb3868fdc0d0"
     "b074b5f01b2c",
     "adb5ec720ccf9898500028bf34afccbcaca126ef",
     "eb7cb754c824e8d96f7c6d9b76c7d26fb874ffbf1d65c6f64a698d839b0b06145dae82057ad55994cf59ad7f67"
     "c0fa5e85fab8",
     "bc95c532fecc594c36d1550286a7a3f0"},
    {"PTlen408_AADlen160_b", "fb43f5ab4a1738a30c1e053d484a94254125d55dccee1ad67c368bc1a985d235",
     "9fbb5f8252db0bca21f1c230",
     "34b797bb82250e23c5e796db2c37e488b3b99d1b981cea5e5b0c61a0b39adb6bd6ef1f50722e2e4f81115cfcf5"
     "3f842e2a6c08",
     "98f8ae1735c39f732e2cbee1156dabeb854ec7a2",
     "871cd53d95a8b806bd4821e6c4456204d27fd704ba3d07ce25872dc604ea5c5ea13322186b7489db4fa060c1fd"
     "4159692612c8",
     "07b48e4a32fac47e115d7ac7445d8330"},
    {"PTlen408_AADlen720_a", "148579a3cbca86d5520d66c0ec71ca5f7e41ba78e56dc6eebd566fed547fe691",
     "b08a5ea1927499c6ecbfd4e0",
     "9d0b15fdf1bd595f91f8b3abc0f7dec927dfd4799935a1795d9ce00c9b879434420fe42c275a7cd7b39d638fb8"
     "1ca52b49dc41",
     "e4f963f015ffbb99ee3349bbaf7e8e8e6c2a71c230a48f9d59860a29091d2747e01a5ca572347e247d25f56ba7"
     "ae8e05cde2be3c97931292c02370208ecd097ef692687fecf2f419d3200162a6480a57dad408a0dfeb492e2c5d",
     "2097e372950a5e9383c675e89eea1c314f999159f5611344b298cda45e62843716f215f82ee663919c64002a5c"
     "198d7878fd3f",
     "adbecdb0d5c2224d804d2886ff9a5760"},
    {"PTlen408_AADlen720_b", "e49af19182faef0ebeeba9f2d3be044e77b1212358366e4ef59e008aebcd9788",
     "e7f37d79a6a487a5a703edbb",
     "461cd0caf7427a3d44408d825ed719237272ecd503b9094d1f62c97d63ed83a0b50bdc804ffdd7991da7a5b6dc"
     "f48d4bcd2cbc",
     "19a9a1cfc647346781bef51ed9070d05f99a0e0192a223c5cd2522dbdf97d9739dd39fb178ade3339e68774b05"
     "8aa03e9a20a9a205bc05f32381df4d63396ef691fefd5a71b49a2ad82d5ea428778ca47ee1398792762413cff4",
     "32ca3588e3e56eb4c8301b009d8b84b8a900b2b88ca3c21944205e9dd7311757b51394ae90d8bb3807b4716776"
     "14f4198af909",
     "3e403d035c71d88f1be1a256c89ba6ad"},
    {"PTlen104_AADlen0_a", "82c4f12eeec3b2d3d157b0f992d292b237478d2cecc1d5f161389b97f999057a",
     "7b40b20f5f397177990ef2d1", "982a296ee1cd7086afad976945", "", "ec8e05a0471d6b43a59ca5335f",
     "113ddeafc62373cac2f5951bb9165249"},
    {"PTlen104_AADlen0_b", "db4340af2f835a6c6d7ea0ca9d83ca81ba02c29b7410f221cb6071114e393240",
     "40e438357dd80a85cac3349e", "8ddb3397bd42853193cb0f80c9", "", "b694118c85c41abf69e229cb0f",
     "c07f1b8aafbd152f697eb67f2a85fe45"},
};

// gcmDecrypt256.rsp
const DecryptVector kCavpDecrypt[] = {
    {"PTlen0_AADlen0_pass", "f5a2b27c74355872eb3ef6c5feafaa740e6ae990d9d48c3bd9bb8235e589f010",
     "58d2240f580a31c1d24948e9", "", "", "15e051a5e4a5f5da6cea92e2ebee5bac", ""},
    {"PTlen0_AADlen0_fail", "e5a8123f2e2e007d4e379ba114a2fb66e6613f57c72d4e4f024964053028a831",
     "51e43385bf533e168427e1ad", "", "", "38fe845c66e66bdd884c2aecafd280e6", nullptr},
    {"PTlen0_AADlen128_pass", "6dfdafd6703c285c01f14fd10a6012862b2af950d4733abb403b2e745b26945d",
     "3749d0b3d5bacb71be06ade6", "", "c0d249871992e70302ae008193d1e89f",
     "4aa4cc69f84ee6ac16d9bfb4e05de500", ""},
    {"PTlen0_AADlen128_fail", "2c392a5eb1a9c705371beda3a901c7c61dca4d93b4291de1dd0dd15ec11ffc45",
     "0723fb84a08f4ea09841f32a", "", "140be561b6171eab942c486a94d33d43",
     "aa0e1c9b57975bfc91aa137231977d2c", nullptr},
    {"PTlen128_AADlen0_pass_a", "4c8ebfe1444ec1b2d503c6986659af2c94fafe945f72c1e8486a5acfedb8a0f8",
     "473360e0ad24889959858995", "d2c78110ac7e8f107c0df0570bd7c90c", "",
     "c26a379b6d98ef2852ead8ce83a833a7", "7789b41cb3ee548814ca0b388c10b343"},
    {"PTlen128_AADlen0_pass_b", "3934f363fd9f771352c4c7a060682ed03c2864223a1573b3af997e2ababd60ab",
     "efe2656d878c586e41c539c4", "e0de64302ac2d04048d65a87d2ad09fe", "",
     "33cbd8d2fb8a3a03e30c1eb1b53c1d99", "697aff2d6b77e5ed6232770e400c1ead"},
    {"PTlen128_AADlen0_fail", "c997768e2d14e3d38259667a6649079de77beb4543589771e5068e6cd7cd0b14",
     "835090aed9552dbdd45277e2", "9f6607d68e22ccf21928db0986be126e", "",
     "f32617f67c574fd9f44ef76ff880ab9f", nullptr},
    {"PTlen408_AADlen160_fail", "e9d381a9c413bee66175d5586a189836e5c20f5583535ab4d3f3e612dc21700e",
     "23e81571da1c7821c681c7ca",
     "a25f3f580306cd5065d22a6b7e9660110af7204bb77d370f7f34bee547feeff7b32a596fce29c9040e68b1589a"
     "ad48da881990",
     "6f39c9ae7b8e8a58a95f0dd8ea6a9087cbccdfd6", "5b6dcd70eefb0892fab1539298b92a4b", nullptr},
    {"PTlen408_AADlen160_pass_a",
     "6450d4501b1e6cfbe172c4c8570363e96b496591b842661c28c2f6c908379cad", "7e4262035e0bf3d60e91668a",
     "5a99b336fd3cfd82f10fb08f7045012415f0d9a06bb92dcf59c6f0dbe62d433671aacb8a1c52ce7bbf6aea372b"
     "f51e2ba79406",
     "f1c522f026e4c5d43851da516a1b78768ab18171", "fe93b01636f7bb0458041f213e98de65",
     "17449e236ef5858f6d891412495ead4607bfae2a2d735182a2a0242f9d52fc5345ef912dbe16f3bb4576fe3bca"
     "fe336dee6085"},
    {"PTlen408_AADlen160_pass_b",
     "90f2e71ccb1148979cb742efc8f921de95457d898c84ce28edeed701650d3a26", "aba58ad60047ba553f6e4c98",
     "3fc77a5fe9203d091c7916587c9763cf2e4d0d53ca20b078b851716f1dab4873fe342b7b301402f015d00263bf"
     "3f77c58a99d6",
     "2abe465df6e5be47f05b92c9a93d76ae3611fac5", "9cb3d04637048bc0bddef803ffbb56cf",
     "1d21639640e11638a2769e3fab78778f84be3f4a8ce28dfd99cb2e75171e05ea8e94e30aa78b54bb402b39d613"
     "616a8ed951dc"},
    {"PTlen408_AADlen720_fail", "e36aca93414b13f5313e76a7244588ee116551d1f34c32859166f2eb0ac1a9b7",
     "e9e701b1ccef6bddd03391d8",
     "5b059ac6733b6de0e8cf5b88b7301c02c993426f71bb12abf692e9deeacfac1ff1644c87d4df130028f515f0fe"
     "da636309a24d",
     "6a08fe6e55a08f283cec4c4b37676e770f402af6102f548ad473ec6236da764f7076ffd41bbd9611b439362d89"
     "9682b7b0f839fc5a68d9df54afd1e2b3c4e7d072454ee27111d52193d28b9c4f925d2a8b451675af39191a2cba",
     "43c7c9c93cc265fc8e192000e0417b5b", nullptr},
    {"PTlen408_AADlen720_pass_a",
     "5f72046245d3f4a0877e50a86554bfd57d1c5e073d1ed3b5451f6d0fc2a8507a", "ea6f5b391e44b751b26bce6f",
     "0e6e0b2114c40769c15958d965a14dcf50b680e0185a4409d77d894ca15b1e698dd83b3536b18c05d8cd0873d1"
     "edce8150ecb5",
     "9b3a68c941d42744673fb60fea49075eae77322e7e70e34502c115b6495ebfc796d6290807653c6b53cd84281b"
     "d0311656d0013f44619d2748177e99e8f8347c989a7b59f9d8dcf00f31db0684a4a83e037e8777bae55f799b0d",
     "fdaaff86ceb937502cd9012d03585800",
     "b0a881b751cc1eb0c912a4cf9bd971983707dbd2411725664503455c55db25cdb19bc669c2654a3a8011de6bf7"
     "eff3f9f07834"},
    {"PTlen408_AADlen720_pass_b",
     "ab639bae205547607506522bd3cdca7861369e2b42ef175ff135f6ba435d5a8e", "5fbb63eb44bd59fee458d8f6",
     "9a34c62bed0972285503a32812877187a54dedbd55d2317fed89282bf1af4ba0b6bb9f9e16dd86da3b441deb78"
     "41262bc6bd63",
     "1ef2b1768b805587935ffaf754a11bd2a305076d6374f1f5098b1284444b78f55408a786da37e1b7f1401c330d"
     "3585ef56f3e4d35eaaac92e1381d636477dc4f4beaf559735e902d6be58723257d4ac1ed9bd213de387f35f3c4",
     "e0299e079bff46fd12e36d1c60e41434",
     "e5a3ce804a8516cdd12122c091256b789076576040dbf3c55e8be3c016025896b8a72532bfd51196cc82efca47"
     "aa0fd8e2e0dc"},
    {"PTlen104_AADlen0_fail", "8b37c4b8cf634704920059866ad96c49e9da502c63fca4a3a7a4dcec74cb0610",
     "cb59344d2b06c4ae57cd0ea4", "66ab935c93555e786b775637a3", "",
     "d8733acbb564d8afaa99d7ca2e2f92a9", nullptr},
    {"PTlen104_AADlen0_pass_a", "a71dac1377a3bf5d7fb1b5e36bee70d2e01de2a84a1c1009ba7448f7f26131dc",
     "c5b60dda3f333b1146e9da7c", "43af49ec1ae3738a20755034d6", "",
     "6f80b6ef2d8830a55eb63680a8dff9e0", "5b87141335f2becac1a559e05f"},
    {"PTlen104_AADlen0_pass_b", "dc1f64681014be221b00793bbcf5a5bc675b968eb7a3a3d5aa5978ef4fa45ecc",
     "056ae9a1a69e38af603924fe", "33013a48d9ea0df2911d583271", "",
     "5b8f9cc22303e979cd1524187e9f70fe", "2a7e05612191c8bce2f529dca9"},
};

// McGrew & Viega test cases 13-16.
constexpr const char* kMvKey15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308";
constexpr const char* kMvPlaintext15 =
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
    "b525b16aedf5aa0de657ba637b391aafd255";
constexpr const char* kMvCiphertext15 =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b105682"
    "8838c5f61e6393ba7a0abcc9f662898015ad";
const EncryptVector kMcGrewViega[] = {
    {"TestCase13", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b"},
    {"TestCase14", "0000000000000000000000000000000000000000000000000000000000000000",
     "000000000000000000000000", "00000000000000000000000000000000", "",
     "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919"},
    {"TestCase15", kMvKey15, "cafebabefacedbaddecaf888", kMvPlaintext15, "", kMvCiphertext15,
     "b094dac5d93471bdec1a502270e3cc6c"},
    {"TestCase16", kMvKey15, "cafebabefacedbaddecaf888",
     "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
     "b525b16aedf5aa0de657ba637b39",
     "feedfacedeadbeeffeedfacedeadbeefabaddad2",
     "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b105682"
     "8838c5f61e6393ba7a0abcc9f662",
     "76fc6ece0f4e1768cddf8853bb2d551b"},
};

// Checks one encrypt vector both ways: encryption gives (CT, tag) and decryption gives PT.
void check_encrypt_vector(const EncryptVector& v) {
  SCOPED_TRACE(v.name);
  AesGcmKey key = key_from_hex(v.key);
  const GcmIv iv = unhex_array<kGcmIvBytes>(v.iv);
  const std::vector<uint8_t> aad = unhex(v.aad);
  const std::vector<uint8_t> plaintext = unhex(v.pt);

  const GcmSealed sealed = key.encrypt(iv, aad, plaintext);
  EXPECT_EQ(hex_encode(sealed.ciphertext), v.ct);
  EXPECT_EQ(hex_encode(sealed.tag), v.tag);

  Result<SecretBytes> opened = key.decrypt(iv, aad, unhex(v.ct), unhex_array<kGcmTagBytes>(v.tag));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(hex_encode(opened->bytes()), v.pt);
}

TEST(AesGcmKnownAnswer, CavpGcmEncryptExtIV256Vectors) {
  for (const EncryptVector& v : kCavpEncrypt)
    check_encrypt_vector(v);
}

TEST(AesGcmKnownAnswer, McGrewViegaTestCases13To16) {
  for (const EncryptVector& v : kMcGrewViega)
    check_encrypt_vector(v);
}

TEST(AesGcmKnownAnswer, CavpGcmDecrypt256VectorsPassOrFailAsPublished) {
  int failures_expected = 0;
  for (const DecryptVector& v : kCavpDecrypt) {
    SCOPED_TRACE(v.name);
    AesGcmKey key = key_from_hex(v.key);
    const std::vector<uint8_t> ciphertext = unhex(v.ct);
    std::vector<uint8_t> plaintext(ciphertext.size(), 0xee);
    const bool authentic =
        key.decrypt_into(unhex_array<kGcmIvBytes>(v.iv), unhex(v.aad), ciphertext,
                         unhex_array<kGcmTagBytes>(v.tag), plaintext);
    if (v.pt == nullptr) {
      ++failures_expected;
      EXPECT_FALSE(authentic);
      // Unauthenticated plaintext never escapes: the output is zeroed.
      EXPECT_EQ(plaintext, std::vector<uint8_t>(ciphertext.size(), 0));
    } else {
      EXPECT_TRUE(authentic);
      EXPECT_EQ(hex_encode(plaintext), v.pt);
    }
  }
  EXPECT_EQ(failures_expected, 6);
}

TEST(AesGcmKnownAnswer, FailVectorGivesAuthenticationFailedValue) {
  const DecryptVector& v = kCavpDecrypt[6];  // PTlen128_AADlen0_fail
  ASSERT_EQ(v.pt, nullptr);
  AesGcmKey key = key_from_hex(v.key);
  Result<SecretBytes> opened = key.decrypt(unhex_array<kGcmIvBytes>(v.iv), unhex(v.aad),
                                           unhex(v.ct), unhex_array<kGcmTagBytes>(v.tag));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), CryptoError::kAuthenticationFailed);
}

// The per-key contexts are keyed once and only the IV is reset per operation: a long mix of
// operations on one key, with different IVs, AAD and lengths and failed decrypts in between,
// must give exactly the answers of a fresh key each time.
TEST(AesGcmKnownAnswer, ReusedContextsGiveTheAnswersOfFreshOnes) {
  AesGcmKey key = key_from_hex(kMvKey15);
  const EncryptVector& case15 = kMcGrewViega[2];
  const EncryptVector& case16 = kMcGrewViega[3];
  const GcmIv zero_iv{};
  for (int round = 0; round < 3; ++round) {
    for (const EncryptVector* v : {&case15, &case16}) {
      SCOPED_TRACE(v->name);
      const GcmSealed sealed =
          key.encrypt(unhex_array<kGcmIvBytes>(v->iv), unhex(v->aad), unhex(v->pt));
      EXPECT_EQ(hex_encode(sealed.ciphertext), v->ct);
      EXPECT_EQ(hex_encode(sealed.tag), v->tag);
      // A decrypt under the wrong IV fails, and leaves the decrypt context usable.
      EXPECT_FALSE(
          key.decrypt(zero_iv, unhex(v->aad), unhex(v->ct), unhex_array<kGcmTagBytes>(v->tag))
              .ok());
      Result<SecretBytes> opened = key.decrypt(unhex_array<kGcmIvBytes>(v->iv), unhex(v->aad),
                                               unhex(v->ct), unhex_array<kGcmTagBytes>(v->tag));
      ASSERT_TRUE(opened.ok());
      EXPECT_EQ(hex_encode(opened->bytes()), v->pt);
    }
  }
}

TEST(AesGcmKnownAnswer, MovedKeyKeepsWorkingAndMovedFromKeyRefuses) {
  AesGcmKey original = key_from_hex(kMvKey15);
  AesGcmKey moved = std::move(original);
  const GcmSealed sealed = moved.encrypt(unhex_array<kGcmIvBytes>("cafebabefacedbaddecaf888"), {},
                                         unhex(kMvPlaintext15));
  EXPECT_EQ(hex_encode(sealed.ciphertext), kMvCiphertext15);
  EXPECT_THROW(  // NOLINT: use after move is the point
      (void)original.encrypt(GcmIv{}, {}, unhex(kMvPlaintext15)), std::logic_error);
}

TEST(AesGcmKnownAnswer, OutputBufferOfWrongSizeIsABug) {
  AesGcmKey key = key_from_hex(kMvKey15);
  std::vector<uint8_t> plaintext(10);
  std::vector<uint8_t> ciphertext(9);
  EXPECT_THROW((void)key.encrypt_into(GcmIv{}, {}, plaintext, ciphertext), std::invalid_argument);
}

}  // namespace
}  // namespace hsmsim::crypto
