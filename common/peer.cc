#include "common/peer.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include "absl/strings/str_cat.h"
#include "common/server.h"

namespace tandem {

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(const std::string& address,
                                                               const PeerTlsFiles& tls) {
  if (address.empty()) return absl::InvalidArgumentError("peer address is empty");
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  args.SetLoadBalancingPolicyName("round_robin");
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!tls.ca_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    auto ca = ReadSettingFile(tls.ca_file, "peer TLS CA file");
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
    if (!tls.cert_file.empty()) {
      auto cert = ReadSettingFile(tls.cert_file, "peer TLS certificate file");
      if (!cert.ok()) return cert.status();
      auto key = ReadSettingFile(tls.key_file, "peer TLS key file");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(address, credentials, args);
}

ServiceTokens::ServiceTokens(const TokenSigner* signer, std::string subject, const Clock* clock,
                             absl::Duration ttl)
    : signer_(signer), subject_(std::move(subject)), clock_(clock), ttl_(ttl) {}

absl::StatusOr<std::string> ServiceTokens::For(absl::string_view tenant) {
  const absl::Time now = clock_->Now();
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(tenant);
      it != cache_.end() && it->second.second - absl::Minutes(1) > now) {
    return it->second.first;
  }
  Principal principal{std::string(tenant), subject_, {std::string(kRoleService)}};
  auto token = signer_->Sign(principal, ttl_, now);
  if (!token.ok()) return token.status();
  cache_[std::string(tenant)] = {*token, now + ttl_};
  return *token;
}

void PreparePeerCall(grpc::ClientContext& context, absl::string_view token, absl::Time deadline) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(deadline));
}

}  // namespace tandem
