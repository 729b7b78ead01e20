#pragma once
// Small helpers every reader of the TOML files in config/ shares.
#include <string_view>

#include <toml++/toml.h>

namespace app {

// "a string", "an integer" …: what a node is, for messages such as "must be a boolean, not a string".
inline std::string_view node_kind_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date or time";
  }
}

}  // namespace app
