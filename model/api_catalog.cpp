#include "model/api_catalog.h"

#include <algorithm>

namespace hsmsim::model {

const std::vector<ActionInfo>& all_actions() {
  static const std::vector<ActionInfo> actions = {
      // --- KMS: custom key stores
      {"kms",
       "CreateCustomKeyStore",
       {"CustomKeyStoreName", "CloudHsmClusterId", "TrustAnchorCertificate", "KeyStorePassword",
        "CustomKeyStoreType"},
       "CustomKeyStoreId"},
      {"kms",
       "DescribeCustomKeyStores",
       {"CustomKeyStoreId", "CustomKeyStoreName", "Limit", "Marker"},
       ""},
      {"kms", "ConnectCustomKeyStore", {"CustomKeyStoreId"}, ""},
      {"kms", "DisconnectCustomKeyStore", {"CustomKeyStoreId"}, ""},
      {"kms",
       "UpdateCustomKeyStore",
       {"CustomKeyStoreId", "NewCustomKeyStoreName", "KeyStorePassword", "CloudHsmClusterId"},
       ""},
      {"kms", "DeleteCustomKeyStore", {"CustomKeyStoreId"}, ""},
      // --- KMS: keys
      {"kms",
       "CreateKey",
       {"Policy", "Description", "KeyUsage", "CustomerMasterKeySpec", "KeySpec", "Origin",
        "CustomKeyStoreId", "BypassPolicyLockoutSafetyCheck", "Tags", "MultiRegion"},
       "KeyMetadata.KeyId"},
      {"kms", "DescribeKey", {"KeyId", "GrantTokens"}, ""},
      {"kms", "ListKeys", {"Limit", "Marker"}, ""},
      {"kms", "EnableKey", {"KeyId"}, ""},
      {"kms", "DisableKey", {"KeyId"}, ""},
      {"kms", "ScheduleKeyDeletion", {"KeyId", "PendingWindowInDays"}, ""},
      {"kms", "CancelKeyDeletion", {"KeyId"}, ""},
      {"kms", "CreateAlias", {"AliasName", "TargetKeyId"}, ""},
      {"kms", "DeleteAlias", {"AliasName"}, ""},
      {"kms", "UpdateAlias", {"AliasName", "TargetKeyId"}, ""},
      {"kms", "ListAliases", {"KeyId", "Limit", "Marker"}, ""},
      {"kms", "TagResource", {"KeyId", "Tags"}, ""},
      {"kms", "UntagResource", {"KeyId", "TagKeys"}, ""},
      {"kms", "ListResourceTags", {"KeyId", "Limit", "Marker"}, ""},
      {"kms", "UpdateKeyDescription", {"KeyId", "Description"}, ""},
      {"kms",
       "PutKeyPolicy",
       {"KeyId", "PolicyName", "Policy", "BypassPolicyLockoutSafetyCheck"},
       ""},
      {"kms", "GetKeyPolicy", {"KeyId", "PolicyName"}, ""},
      {"kms", "EnableKeyRotation", {"KeyId"}, ""},
      {"kms", "DisableKeyRotation", {"KeyId"}, ""},
      {"kms", "GetKeyRotationStatus", {"KeyId"}, ""},
      {"kms", "GetParametersForImport", {"KeyId", "WrappingAlgorithm", "WrappingKeySpec"}, ""},
      {"kms",
       "ImportKeyMaterial",
       {"KeyId", "ImportToken", "EncryptedKeyMaterial", "ValidTo", "ExpirationModel"},
       ""},
      // --- KMS: the crypto data plane (answered after their modelled latency)
      {"kms",
       "Encrypt",
       {"KeyId", "Plaintext", "EncryptionContext", "GrantTokens", "EncryptionAlgorithm"},
       "CiphertextBlob",
       true},
      {"kms",
       "Decrypt",
       {"CiphertextBlob", "EncryptionContext", "GrantTokens", "KeyId", "EncryptionAlgorithm"},
       "",
       true},
      {"kms",
       "ReEncrypt",
       {"CiphertextBlob", "SourceEncryptionContext", "SourceKeyId", "DestinationKeyId",
        "DestinationEncryptionContext", "SourceEncryptionAlgorithm",
        "DestinationEncryptionAlgorithm", "GrantTokens"},
       "CiphertextBlob",
       true},
      {"kms",
       "GenerateDataKey",
       {"KeyId", "EncryptionContext", "NumberOfBytes", "KeySpec", "GrantTokens"},
       "CiphertextBlob",
       true},
      {"kms",
       "GenerateDataKeyWithoutPlaintext",
       {"KeyId", "EncryptionContext", "KeySpec", "NumberOfBytes", "GrantTokens"},
       "CiphertextBlob",
       true},
      {"kms", "GenerateRandom", {"NumberOfBytes", "CustomKeyStoreId"}, "", true},
      // --- CloudHSM v2
      {"cloudhsmv2",
       "CreateCluster",
       {"BackupRetentionPolicy", "HsmType", "SourceBackupId", "SubnetIds", "TagList"},
       "Cluster.ClusterId"},
      {"cloudhsmv2", "DescribeClusters", {"Filters", "NextToken", "MaxResults"}, ""},
      {"cloudhsmv2", "InitializeCluster", {"ClusterId", "SignedCert", "TrustAnchor"}, ""},
      {"cloudhsmv2", "DeleteCluster", {"ClusterId"}, ""},
      {"cloudhsmv2", "ModifyCluster", {"BackupRetentionPolicy", "ClusterId"}, ""},
      {"cloudhsmv2", "CreateHsm", {"ClusterId", "AvailabilityZone", "IpAddress"}, "Hsm.HsmId"},
      {"cloudhsmv2", "DeleteHsm", {"ClusterId", "HsmId", "EniId", "EniIp"}, ""},
      {"cloudhsmv2",
       "DescribeBackups",
       {"NextToken", "MaxResults", "Filters", "SortAscending"},
       ""},
      {"cloudhsmv2", "DeleteBackup", {"BackupId"}, "Backup.BackupId"},
      {"cloudhsmv2", "RestoreBackup", {"BackupId"}, "Backup.BackupId"},
      {"cloudhsmv2",
       "CopyBackupToRegion",
       {"DestinationRegion", "BackupId", "TagList"},
       "DestinationBackup.BackupId"},
      {"cloudhsmv2", "ModifyBackupAttributes", {"BackupId", "NeverExpires"}, ""},
      // --- CloudHSM command-line tools
      {"cli", "Login", {"ClusterId", "Username", "Password", "Role"}, ""},
      {"cli", "Logout", {"ClusterId", "Username"}, ""},
      {"cli", "CreateUser", {"ClusterId", "Username", "Role", "Password"}, ""},
      {"cli", "DeleteUser", {"ClusterId", "Username"}, ""},
      {"cli", "ChangePassword", {"ClusterId", "Username", "NewPassword"}, ""},
      {"cli", "ListKeys", {"ClusterId", "Owner"}, ""},
      {"cli", "DeleteKey", {"ClusterId", "KeyHandle"}, ""},
      {"cli", "ActivateCluster", {"ClusterId", "NewPassword"}, ""},
  };
  return actions;
}

const ActionInfo* find_action(std::string_view service, std::string_view name) {
  const auto& actions = all_actions();
  if (!service.empty()) {
    auto it = std::find_if(actions.begin(), actions.end(), [&](const ActionInfo& a) {
      return a.service == service && a.name == name;
    });
    return it == actions.end() ? nullptr : &*it;
  }
  for (std::string_view s : {"kms", "cloudhsmv2", "cli"}) {
    if (const ActionInfo* a = find_action(s, name)) return a;
  }
  return nullptr;
}

std::vector<std::string> action_names() {
  std::vector<std::string> out;
  for (const ActionInfo& a : all_actions()) {
    out.emplace_back(a.name);
    out.push_back(std::string(a.service) + ":" + std::string(a.name));
  }
  return out;
}

const std::vector<std::string>& known_exception_names() {
  static const std::vector<std::string> names = {
      // The AWS API models (kms 2014-11-01, cloudhsmv2 2017-04-28).
      "AlreadyExistsException", "CloudHsmAccessDeniedException", "CloudHsmClusterInUseException",
      "CloudHsmClusterInvalidConfigurationException", "CloudHsmClusterNotActiveException",
      "CloudHsmClusterNotFoundException", "CloudHsmClusterNotRelatedException",
      "CloudHsmInternalFailureException", "CloudHsmInvalidRequestException",
      "CloudHsmResourceNotFoundException", "CloudHsmServiceException", "CloudHsmTagException",
      "CustomKeyStoreHasCMKsException", "CustomKeyStoreInvalidStateException",
      "CustomKeyStoreNameInUseException", "CustomKeyStoreNotFoundException",
      "DependencyTimeoutException", "DisabledException", "ExpiredImportTokenException",
      "IncorrectKeyException", "IncorrectKeyMaterialException", "IncorrectTrustAnchorException",
      "InvalidAliasNameException", "InvalidArnException", "InvalidCiphertextException",
      "InvalidGrantIdException", "InvalidGrantTokenException", "InvalidImportTokenException",
      "InvalidKeyUsageException", "InvalidMarkerException", "KMSInternalException",
      "KMSInvalidMacException", "KMSInvalidSignatureException", "KMSInvalidStateException",
      "KeyUnavailableException", "LimitExceededException", "MalformedPolicyDocumentException",
      "NotFoundException", "TagException", "UnsupportedOperationException",
      // Errors every AWS API may answer, not listed per operation in the models.
      "ValidationException", "AccessDeniedException", "ThrottlingException",
      // The CloudHSM command-line tools (SPEC §5).
      "HsmLoginFailed", "HsmUserLockedOut", "HsmUserNotFound", "HsmUserAlreadyLoggedIn",
      "HsmNotLoggedIn", "HsmPermissionDenied", "HsmKeyNotFound"};
  return names;
}

bool is_known_exception(std::string_view name) {
  const auto& names = known_exception_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool is_blob_field(std::string_view field) {
  return field == "Plaintext" || field == "CiphertextBlob";
}

bool is_reference_param(std::string_view param) {
  static const std::vector<std::string_view> refs = {"ClusterId",
                                                     "HsmId",
                                                     "BackupId",
                                                     "SourceBackupId",
                                                     "CustomKeyStoreId",
                                                     "CloudHsmClusterId",
                                                     "KeyId",
                                                     "TargetKeyId",
                                                     "DestinationKeyId",
                                                     "SourceKeyId",
                                                     "CiphertextBlob",
                                                     "Filters",
                                                     "TrustAnchorCertificate",
                                                     "TrustAnchor",
                                                     "Owner"};
  return std::find(refs.begin(), refs.end(), param) != refs.end();
}

}  // namespace hsmsim::model
