// tandem-success: wires Success's parts together and serves them.
#include "common/server.h"
#include "common/service_process.h"
#include "common_migrations.h"
#include "services/success/account_manager.h"
#include "services/success/mysql_account_store.h"
#include "services/success/success_service.h"
#include "success_migrations.h"

int main(int argc, char** argv) {
  using namespace tandem;
  BlockTerminationSignals();
  ServiceProcess process("success", 50052, 9462);
  if (auto exit_code = process.Init(argc, argv, {CommonMigrations(), SuccessMigrations()})) {
    return *exit_code;
  }
  success::MysqlAccountStore accounts(&process.pool(), &process.outbox());
  success::AccountManager manager(&accounts, &process.page_tokens(), &process.clock());
  success::SuccessServiceImpl service(&process.auth(), &manager);
  return process.Serve({&service});
}
