// TLS and mTLS on a real server: certificates are made for the test with
// the openssl command.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>

#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "common/peer.h"
#include "common/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;

// Makes a CA, a server certificate for 127.0.0.1/localhost and a client
// certificate, all signed by the CA, in `dir`.
bool MakeCertificates(const std::string& dir) {
  const std::string script = absl::StrCat(
      "set -e; cd '", dir, "'; exec >openssl.log 2>&1\n",
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
      "-keyout ca.key -out ca.pem\n",
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost' > san.ext\n",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr\n",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile san.ext -out server.pem\n",
      "openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client.key -out client.csr\n",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
      "-out client.pem\n");
  return std::system(absl::StrCat("bash -c \"$(cat <<'SCRIPT'\n", script, "SCRIPT\n)\"").c_str()) == 0;
}

// Returns the status of a health check over `channel`.
grpc::StatusCode Check(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  grpc::health::v1::HealthCheckResponse response;
  return stub->Check(&context, {}, &response).error_code();
}

// Returns the serving status of health name `name` at `address` over
// plaintext, or UNKNOWN when the call fails.
grpc::health::v1::HealthCheckResponse::ServingStatus PlaintextHealth(const std::string& address,
                                                                     const std::string& name) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(name);
  grpc::health::v1::HealthCheckResponse response;
  if (!stub->Check(&context, request, &response).ok()) {
    return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

// Calls `method` with an empty message through a generic stub and returns
// the status code.
grpc::StatusCode GenericUnaryCode(const std::shared_ptr<grpc::Channel>& channel,
                                  const std::string& method) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  grpc::Slice empty(std::string{});
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get().error_code();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tandem-tls");
    ASSERT_TRUE(MakeCertificates(dir_)) << testing::TailOf(dir_ + "/openssl.log");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string File(const std::string& name) const { return absl::StrCat(dir_, "/", name); }

  std::string dir_;
};

// A TLS server answers clients that trust its CA, and plaintext clients
// cannot talk to it.
TEST_F(TlsTest, ServesTlsToClientsThatTrustTheCa) {
  ServerRunner server(ServerOptions{
      .name = "tls", .tls = {.cert_file = File("server.pem"), .key_file = File("server.key")}});
  ASSERT_OK(server.Start());
  const std::string address = absl::StrCat("127.0.0.1:", server.grpc_port());
  ASSERT_OK_AND_ASSIGN(auto secure, MakePeerChannel(address, {.ca_file = File("ca.pem")}));
  EXPECT_EQ(Check(secure), grpc::StatusCode::OK);
  EXPECT_NE(Check(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())),
            grpc::StatusCode::OK);
}

// With a client CA, the server requires a client certificate signed by it.
TEST_F(TlsTest, MutualTlsRequiresClientCertificate) {
  ServerRunner server(ServerOptions{.name = "mtls",
                                    .tls = {.cert_file = File("server.pem"),
                                            .key_file = File("server.key"),
                                            .client_ca_file = File("ca.pem")}});
  ASSERT_OK(server.Start());
  const std::string address = absl::StrCat("127.0.0.1:", server.grpc_port());
  ASSERT_OK_AND_ASSIGN(auto with_cert,
                       MakePeerChannel(address, {.ca_file = File("ca.pem"),
                                                 .cert_file = File("client.pem"),
                                                 .key_file = File("client.key")}));
  EXPECT_EQ(Check(with_cert), grpc::StatusCode::OK);
  ASSERT_OK_AND_ASSIGN(auto without_cert, MakePeerChannel(address, {.ca_file = File("ca.pem")}));
  EXPECT_NE(Check(without_cert), grpc::StatusCode::OK);
}

// The health listener answers plaintext probes (the kubelet's cannot speak
// TLS) before the main server exists (alive, not ready), then mirrors the
// TLS server's statuses: liveness stays SERVING while readiness follows the
// readiness probe. It serves nothing else, not even reflection.
TEST_F(TlsTest, HealthListenerAnswersPlaintextProbesBesideTls) {
  using Status = grpc::health::v1::HealthCheckResponse;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<HealthListener> listener,
                       HealthListener::Start("127.0.0.1:0"));
  const std::string health = absl::StrCat("127.0.0.1:", listener->port());
  EXPECT_EQ(PlaintextHealth(health, kLivenessHealthName), Status::SERVING);
  EXPECT_EQ(PlaintextHealth(health, kReadinessHealthName), Status::NOT_SERVING);
  EXPECT_EQ(PlaintextHealth(health, ""), Status::NOT_SERVING);

  std::atomic<bool> database_up{true};
  ServerRunner server(ServerOptions{
      .name = "tls",
      .tls = {.cert_file = File("server.pem"), .key_file = File("server.key")},
      .probe_interval = absl::Milliseconds(50)});
  server.SetReadinessProbe([&] { return database_up.load(); });
  server.MirrorHealthTo(listener.get());
  ASSERT_OK(server.Start());
  EXPECT_EQ(PlaintextHealth(health, kLivenessHealthName), Status::SERVING);
  EXPECT_EQ(PlaintextHealth(health, kReadinessHealthName), Status::SERVING);
  EXPECT_EQ(PlaintextHealth(health, ""), Status::SERVING);

  database_up = false;
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (PlaintextHealth(health, kReadinessHealthName) != Status::NOT_SERVING &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(PlaintextHealth(health, kReadinessHealthName), Status::NOT_SERVING);
  EXPECT_EQ(PlaintextHealth(health, kLivenessHealthName), Status::SERVING);

  // Only health is served there: any other method is UNIMPLEMENTED.
  auto plaintext = grpc::CreateChannel(health, grpc::InsecureChannelCredentials());
  {
    auto feed = tandem::common::v1::EventFeed::NewStub(plaintext);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
    tandem::common::v1::ListEventsResponse events;
    EXPECT_EQ(feed->ListEvents(&context, {}, &events).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  // Reflection would list the services of the whole descriptor pool: not
  // there either. (A unary call to the streaming method: an unknown method
  // is refused before its kind matters.)
  EXPECT_EQ(GenericUnaryCode(plaintext, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
            grpc::StatusCode::UNIMPLEMENTED);

  server.Shutdown();
  EXPECT_EQ(PlaintextHealth(health, kLivenessHealthName), Status::NOT_SERVING);
}

// A health address that cannot be bound (held by a socket that does not
// share its port) fails the start and names the flag.
TEST_F(TlsTest, HealthListenerOnATakenPortNamesTheFlag) {
  const int holder = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(holder, 1), 0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
  absl::StatusOr<std::unique_ptr<HealthListener>> listener =
      HealthListener::Start(absl::StrCat("127.0.0.1:", ntohs(address.sin_port)));
  close(holder);
  EXPECT_THAT(listener, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_NE(std::string(listener.status().message()).find("--health-listen"), std::string::npos);
}

// A TLS file that cannot be read fails the start and names the setting.
TEST_F(TlsTest, UnreadableCertificateFailsStart) {
  ServerRunner server(ServerOptions{
      .name = "tls", .tls = {.cert_file = File("missing.pem"), .key_file = File("server.key")}});
  absl::Status status = server.Start();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_NE(std::string(status.message()).find("--tls-cert-file"), std::string::npos);
}

}  // namespace
}  // namespace tandem
