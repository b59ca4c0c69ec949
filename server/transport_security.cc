#include "server/transport_security.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "core/logging.h"
#include "core/status_macros.h"
#include "grpcpp/security/server_credentials.h"

namespace recsys::server {
namespace {

// The whole file, or INVALID_ARGUMENT naming `what` and the path. Checking
// for a PEM block here turns a wrong path into a clear error instead of
// gRPC's later, generic "cannot listen".
absl::StatusOr<std::string> ReadPemFile(absl::string_view what,
                                        const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read the ", what, " file ", path));
  }
  if (!absl::StrContains(text.str(), "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat("the ", what, " file ", path, " holds no PEM block"));
  }
  return text.str();
}

}  // namespace

bool IsLoopbackAddress(absl::string_view listen_address) {
  absl::string_view address = listen_address;
  if (absl::ConsumePrefix(&address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) return false;
    const absl::string_view rest = address.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return false;
    in6_addr ip6{};
    if (inet_pton(AF_INET6, std::string(address.substr(0, close)).c_str(),
                  &ip6) != 1) {
      return false;
    }
    return IN6_IS_ADDR_LOOPBACK(&ip6) ||
           (IN6_IS_ADDR_V4MAPPED(&ip6) && ip6.s6_addr[12] == 127);
  }
  const size_t colon = address.rfind(':');
  const absl::string_view host =
      colon == absl::string_view::npos ? address : address.substr(0, colon);
  // An IPv6 address without brackets cannot be split from its port safely.
  if (absl::StrContains(host, ':')) return false;
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  in_addr ip4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &ip4) != 1) return false;
  return (ntohl(ip4.s_addr) >> 24) == 127;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenCredentials(
    absl::string_view listen_address, const TlsFiles& tls,
    InsecureListening insecure) {
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a TLS certificate needs its private key and the reverse: set both "
        "tls_cert_file and tls_key_file (--tls_cert, --tls_key) or neither");
  }
  if (tls.cert_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "a client CA (mutual TLS) needs a server certificate and key "
          "(--tls_cert, --tls_key)");
    }
    if (!IsLoopbackAddress(listen_address)) {
      if (insecure != InsecureListening::kAllow) {
        return absl::InvalidArgumentError(absl::StrCat(
            "refusing to serve plaintext gRPC on ", listen_address,
            ", which is not a loopback address: configure TLS (--tls_cert "
            "and --tls_key) or allow plaintext explicitly (--allow_insecure)"));
      }
      core::Log(core::LogLevel::kWarning, "insecure_listen",
                {{"listen", listen_address},
                 {"detail", "plaintext gRPC on a non-loopback address"}});
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl(
      tls.client_ca_file.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ASSIGN_OR_RETURN(pair.private_key, ReadPemFile("TLS key", tls.key_file));
  ASSIGN_OR_RETURN(pair.cert_chain,
                   ReadPemFile("TLS certificate", tls.cert_file));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadPemFile("TLS client CA", tls.client_ca_file));
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace recsys::server
