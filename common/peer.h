// Calling peer services: channels (plaintext or TLS/mTLS) and the service
// tokens that authenticate those calls.
#ifndef TANDEM_COMMON_PEER_H_
#define TANDEM_COMMON_PEER_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"

namespace tandem {

// PEM files for calling a TLS peer. With no `ca_file`, the channel is
// plaintext; `cert_file` and `key_file` add a client certificate (mTLS).
struct PeerTlsFiles {
  std::string ca_file{};
  std::string cert_file{};
  std::string key_file{};
};

// Opens a channel to `address` (host:port). Channels connect lazily, so a
// peer that is down only fails the calls made while it is down.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(const std::string& address,
                                                               const PeerTlsFiles& tls);

// Mints and caches short-lived `service`-role tokens, one per tenant.
class ServiceTokens {
 public:
  // `subject` names the calling service, e.g. "support".
  ServiceTokens(const TokenSigner* signer, std::string subject, const Clock* clock,
                absl::Duration ttl = absl::Minutes(10));

  // Returns a token for `tenant` ("*" for every tenant), reusing a cached
  // one until a minute before it expires.
  absl::StatusOr<std::string> For(absl::string_view tenant);

 private:
  const TokenSigner* signer_;
  const std::string subject_;
  const Clock* clock_;
  const absl::Duration ttl_;
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, absl::Time>, std::less<>> cache_;
};

// Prepares a client context for a peer call: bearer token and deadline.
void PreparePeerCall(grpc::ClientContext& context, absl::string_view token, absl::Time deadline);

}  // namespace tandem

#endif  // TANDEM_COMMON_PEER_H_
