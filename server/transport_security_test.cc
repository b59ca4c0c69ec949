#include "server/transport_security.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace recsys::server {
namespace {

using ::testing::HasSubstr;

TEST(IsLoopbackAddressTest, AcceptsOnlyAddressesReachableFromThisMachine) {
  for (const char* address :
       {"127.0.0.1:0", "127.0.0.1:50051", "127.255.3.4:1", "127.0.0.1",
        "[::1]:50051", "[::1]", "[0:0:0:0:0:0:0:1]:1", "[::ffff:127.0.0.1]:80",
        "localhost:50051", "LocalHost:1"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address :
       {"0.0.0.0:50051", "[::]:50051", ":50051", "", "10.0.0.1:50051",
        "128.0.0.1:1", "126.255.255.255:1", "192.168.1.1:50051", "[::2]:1",
        "[::ffff:10.0.0.1]:1", "::1:50051", "[::1", "[::1]x",
        "localhost.example.com:1", "mylocalhost:1", "127.0.0.1.evil.com:1",
        "127.1:1", "unix:/tmp/sock", "[fe80::1]:1"}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

class ListenCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat("transport_security_test_", ::getpid());
    std::filesystem::create_directories(dir_);
    // Not a real key pair: gRPC checks the PEM contents only when a
    // handshake happens, which tests/tls_test.sh covers.
    pem_ = Write("pem", "-----BEGIN CERTIFICATE-----\nAAAA\n");
    not_pem_ = Write("not_pem", "just text\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
  std::string pem_;
  std::string not_pem_;
};

TEST_F(ListenCredentialsTest, PlaintextOnLoopbackOnly) {
  EXPECT_TRUE(
      ListenCredentials("127.0.0.1:0", {}, InsecureListening::kRefuse).ok());
  EXPECT_TRUE(
      ListenCredentials("[::1]:0", {}, InsecureListening::kRefuse).ok());
  for (const char* address : {"0.0.0.0:0", "[::]:0", "10.1.2.3:50051"}) {
    auto refused = ListenCredentials(address, {}, InsecureListening::kRefuse);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument)
        << address;
    EXPECT_THAT(refused.status().message(), HasSubstr(address));
    EXPECT_THAT(refused.status().message(), HasSubstr("--allow_insecure"));
    EXPECT_TRUE(ListenCredentials(address, {}, InsecureListening::kAllow).ok())
        << address;
  }
}

TEST_F(ListenCredentialsTest, TlsOnAnyAddress) {
  const TlsFiles tls{.cert_file = pem_, .key_file = pem_};
  auto credentials =
      ListenCredentials("0.0.0.0:0", tls, InsecureListening::kRefuse);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_NE(*credentials, nullptr);
  const TlsFiles mtls{
      .cert_file = pem_, .key_file = pem_, .client_ca_file = pem_};
  EXPECT_TRUE(
      ListenCredentials("0.0.0.0:0", mtls, InsecureListening::kRefuse).ok());
}

TEST_F(ListenCredentialsTest, InconsistentOrUnreadableFilesAreRefused) {
  struct Case {
    TlsFiles tls;
    const char* message;
  };
  const std::string missing = (dir_ / "missing.pem").string();
  const Case cases[] = {
      {{.cert_file = pem_}, "private key"},
      {{.key_file = pem_}, "private key"},
      {{.client_ca_file = pem_}, "client CA"},
      {{.cert_file = pem_, .key_file = pem_ + "x"}, "cannot read the TLS key"},
      {{.cert_file = missing, .key_file = pem_},
       "cannot read the TLS certificate"},
      {{.cert_file = not_pem_, .key_file = pem_}, "holds no PEM block"},
      {{.cert_file = pem_, .key_file = pem_, .client_ca_file = missing},
       "cannot read the TLS client CA"},
  };
  for (const Case& c : cases) {
    // Even where plaintext would be allowed: a half-configured TLS setup is
    // a mistake, never a fallback to plaintext.
    auto result =
        ListenCredentials("127.0.0.1:0", c.tls, InsecureListening::kAllow);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << c.message;
    EXPECT_THAT(result.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace recsys::server
