// Small helpers for absl::Status propagation (Abseil 20220623 has none).
#ifndef RECSYS_CORE_STATUS_MACROS_H_
#define RECSYS_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define RECSYS_CONCAT_INNER_(a, b) a##b
#define RECSYS_CONCAT_(a, b) RECSYS_CONCAT_INNER_(a, b)

// Returns the status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status recsys_status_ = (expr);          \
    if (!recsys_status_.ok()) return recsys_status_; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, F())` declares x from F()'s value, or returns its
// error status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL_(RECSYS_CONCAT_(recsys_statusor_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                           \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

#endif  // RECSYS_CORE_STATUS_MACROS_H_
