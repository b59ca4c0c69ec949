// The one place where absl::Status becomes grpc::Status. The codes are the
// same numbers; INTERNAL details are logged, not sent to the caller.
#ifndef RECSYS_SERVER_STATUS_MAPPING_H_
#define RECSYS_SERVER_STATUS_MAPPING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"

namespace recsys::server {

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method);

// "OK", "INVALID_ARGUMENT", ... for metrics labels.
std::string GrpcCodeName(grpc::StatusCode code);

}  // namespace recsys::server

#endif  // RECSYS_SERVER_STATUS_MAPPING_H_
