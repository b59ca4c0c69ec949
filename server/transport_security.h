// Transport security of the gRPC port: TLS or mutual TLS from PEM files, and
// the rule that plaintext is served only on a loopback address unless the
// operator explicitly allows it. The Prometheus port is not covered here.
#ifndef RECSYS_SERVER_TRANSPORT_SECURITY_H_
#define RECSYS_SERVER_TRANSPORT_SECURITY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/server_credentials.h"

namespace recsys::server {

// PEM files of the server's TLS identity. All empty: plaintext.
struct TlsFiles {
  std::string cert_file;  // certificate chain; requires key_file
  std::string key_file;   // private key of cert_file; requires cert_file
  // CA bundle of client certificates. Set: clients must present a
  // certificate signed by it (mutual TLS). Requires cert_file and key_file.
  std::string client_ca_file;
};

// Whether plaintext may be served on a non-loopback address.
enum class InsecureListening { kRefuse, kAllow };

// True when `listen_address` ("host:port") can only be reached from this
// machine: an IPv4 address in 127.0.0.0/8, [::1] (also an IPv4-mapped
// 127.x address), or "localhost" (any case). False for anything else,
// including wildcards (0.0.0.0, [::], an empty host) and unparsable input.
bool IsLoopbackAddress(absl::string_view listen_address);

// The credentials to listen on `listen_address` with. TLS when `tls` names
// a certificate and key (mutual TLS when it names a client CA too);
// otherwise plaintext, which on a non-loopback address needs kAllow.
// Errors: INVALID_ARGUMENT when the files are inconsistent (a certificate
// without a key or the reverse, a client CA without both), a file cannot
// be read or holds no PEM block, or plaintext is refused.
[[nodiscard]] absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>>
ListenCredentials(absl::string_view listen_address, const TlsFiles& tls,
                  InsecureListening insecure);

}  // namespace recsys::server

#endif  // RECSYS_SERVER_TRANSPORT_SECURITY_H_
