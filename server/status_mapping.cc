#include "server/status_mapping.h"

#include <string>

#include "core/logging.h"

namespace recsys::server {

grpc::Status ToGrpcStatus(const absl::Status& status,
                          absl::string_view method) {
  if (status.ok()) return grpc::Status::OK;
  if (status.code() == absl::StatusCode::kInternal) {
    core::Log(core::LogLevel::kError, "internal_error",
              {{"method", method}, {"error", status.message()}});
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

std::string GrpcCodeName(grpc::StatusCode code) {
  // gRPC and Abseil number their status codes identically.
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

}  // namespace recsys::server
