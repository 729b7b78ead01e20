#pragma once
// Errors of the domain: what a user did that the rules refuse. The CLI turns them into a
// message and exit code 1; the HTTP API into a 4xx with a JSON body.
#include <stdexcept>
#include <string>

namespace engine {

class DomainError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace engine
