// End-to-end walkthrough from a Node.js client: the calls an internal platform
// makes against the three running servers, checked through the public gRPC
// contracts only. The C++ e2e harness starts the servers and runs
// `node --test tests/e2e/node/` with the environment described in
// tandem_client.mjs plus three tokens:
//   TANDEM_TOKEN                tenant A, role admin
//   TANDEM_TOKEN_OTHER_TENANT   tenant B, role admin
//   TANDEM_TOKEN_VIEWER         tenant A, role viewer

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';

import {
  connect, expectGrpcError, grpc, requireEnv, statusDetails, unary,
} from './tandem_client.mjs';

const tokens = (() => {
  const env = requireEnv('TANDEM_TOKEN', 'TANDEM_TOKEN_OTHER_TENANT', 'TANDEM_TOKEN_VIEWER');
  return {
    admin: env.TANDEM_TOKEN,
    otherTenant: env.TANDEM_TOKEN_OTHER_TENANT,
    viewer: env.TANDEM_TOKEN_VIEWER,
  };
})();

const tandem = connect();
after(() => tandem.close());

// Makes request ids unique per run, so reruns against the same database
// never replay an earlier run's result.
const run = randomUUID();

// Follows `next_page_token` through ListTickets until `name` shows up.
async function listContainsTicket(name, token) {
  let page_token = '';
  for (let page = 0; page < 50; page++) {
    const response = await unary(tandem.support, 'ListTickets', { page_size: 100, page_token }, token);
    if (response.tickets.some((ticket) => ticket.name === name)) return true;
    page_token = response.next_page_token;
    if (!page_token) return false;
  }
  throw new Error('ListTickets kept returning pages');
}

// An account (high touch, so the tier is not the default) and a ticket for
// it, created once and shared by the tests that need existing data.
let created;
function accountWithTicket() {
  created ??= (async () => {
    const account = await unary(tandem.success, 'CreateAccount', {
      account: { display_name: `Walkthrough ${run}`, touch_tier: 'HIGH_TOUCH', plan: 'enterprise' },
      request_id: `walkthrough-account-${run}`,
    }, tokens.admin);
    const ticket = await unary(tandem.support, 'CreateTicket', {
      ticket: {
        subject: 'Cannot sign in after the password reset',
        description: 'The reset link says it has expired.',
        requester_email: 'ana@example.com',
        account: account.name,
        priority: 'HIGH',
        tags: ['login'],
      },
      request_id: `walkthrough-ticket-${run}`,
    }, tokens.admin);
    return { account, ticket };
  })();
  return created;
}

test('a ticket for an account carries the account tier, verified, and can be read and listed', async () => {
  const { account, ticket } = await accountWithTicket();

  assert.match(account.name, /^accounts\/.+/);
  assert.equal(account.touch_tier, 'HIGH_TOUCH');
  assert.match(ticket.name, /^tickets\/.+/);
  assert.equal(ticket.account, account.name);
  assert.equal(ticket.account_tier, account.touch_tier);
  assert.equal(ticket.account_check, 'VERIFIED');
  assert.equal(ticket.status, 'NEW');
  assert.equal(ticket.priority, 'HIGH');
  assert.ok(ticket.etag, 'a created ticket has an etag');

  const fetched = await unary(tandem.support, 'GetTicket', { name: ticket.name }, tokens.admin);
  for (const field of ['name', 'subject', 'account', 'account_tier', 'account_check', 'status', 'etag']) {
    assert.equal(fetched[field], ticket[field], `GetTicket returns the same ${field}`);
  }

  assert.ok(await listContainsTicket(ticket.name, tokens.admin), 'ListTickets includes the ticket');
});

test('CreateTicket retried with the same request_id returns the first ticket', async () => {
  const request = {
    ticket: { subject: 'Invoice shows the wrong currency', channel: 'EMAIL' },
    request_id: `walkthrough-retry-${run}`,
  };
  const first = await unary(tandem.support, 'CreateTicket', request, tokens.admin);
  const retried = await unary(tandem.support, 'CreateTicket', request, tokens.admin);
  assert.equal(retried.name, first.name);
});

test('a viewer cannot create a ticket (PERMISSION_DENIED)', async () => {
  await expectGrpcError(unary(tandem.support, 'CreateTicket', {
    ticket: { subject: 'Viewers only read' },
    request_id: `walkthrough-viewer-${run}`,
  }, tokens.viewer), grpc.status.PERMISSION_DENIED);
});

test("another tenant gets NOT_FOUND for this tenant's ticket and does not list it", async () => {
  const { ticket } = await accountWithTicket();
  await expectGrpcError(
    unary(tandem.support, 'GetTicket', { name: ticket.name }, tokens.otherTenant),
    grpc.status.NOT_FOUND);
  assert.equal(await listContainsTicket(ticket.name, tokens.otherTenant), false);
});

test('a ticket without a subject is INVALID_ARGUMENT with a BadRequest field violation', async () => {
  const error = await expectGrpcError(unary(tandem.support, 'CreateTicket', {
    ticket: { description: 'No subject at all' },
  }, tokens.admin), grpc.status.INVALID_ARGUMENT);

  const status = statusDetails(tandem, error);
  assert.ok(status, 'the error carries a grpc-status-details-bin trailer');
  assert.equal(status.code, grpc.status.INVALID_ARGUMENT);
  const badRequest = status.details.find((detail) => detail.type === 'google.rpc.BadRequest');
  assert.ok(badRequest, `details hold a google.rpc.BadRequest (got ${status.details.map((d) => d.type)})`);
  const fields = badRequest.message.field_violations.map((violation) => violation.field);
  assert.ok(fields.includes('ticket.subject'), `field violations name ticket.subject (got ${fields})`);
});

test('every server answers the gRPC health check as SERVING', async () => {
  for (const [service, client] of Object.entries(tandem.health)) {
    const response = await unary(client, 'Check', { service: '' });
    assert.equal(response.status, 'SERVING', `${service} at ${tandem.addresses[service]}`);
  }
});

test('metrics reports the freshness of the support and success feeds', async () => {
  const freshness = await unary(tandem.metrics, 'GetFreshness', {}, tokens.admin);
  const feeds = freshness.feeds.map((feed) => feed.feed);
  assert.ok(feeds.includes('support'), `feeds: ${feeds}`);
  assert.ok(feeds.includes('success'), `feeds: ${feeds}`);
});

test("support's event feed holds a TicketCreated event for the new ticket", async () => {
  const { ticket } = await accountWithTicket();
  let after_cursor = '0';
  let found;
  for (let page = 0; !found && page < 100; page++) {
    const response = await unary(tandem.supportFeed, 'ListEvents',
      { after_cursor, page_size: 1000 }, tokens.admin);
    if (response.events.length === 0) break;
    found = response.events.find(
      (event) => event.type === 'TicketCreated' && event.subject === ticket.name);
    after_cursor = response.events.at(-1).cursor;
  }
  assert.ok(found, `no TicketCreated event with subject ${ticket.name}`);
  assert.equal(found.source, 'tandem.support.v1');
  assert.match(found.payload.type_url, /\/tandem\.support\.v1\.TicketCreated$/);
  const payload = tandem.type('tandem.support.v1.TicketCreated').deserialize(found.payload.value);
  assert.equal(payload.ticket.name, ticket.name);
});
