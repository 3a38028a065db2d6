// Writing an output file atomically (SPEC §7): a temporary file beside it, then a rename, so a
// reader never sees half a file.
#pragma once

#include <filesystem>
#include <string>

namespace hsmsim::model {

// Creates the parent directories. Throws std::runtime_error (or filesystem_error) on failure.
void write_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace hsmsim::model
