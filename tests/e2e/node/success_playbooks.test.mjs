// Success working its book of business from a Node.js client, with real
// Support and Success servers: Support's complaints and SLA breaches reach
// Success through its event feed, move the account's health, and the
// playbooks act by touch tier — one risk CTA for a high-touch account's
// owner however many events arrive, an outreach message for a tech-touch
// account, a renewal CTA 90 days out, an expansion CTA when a healthy
// account uses nearly every seat. Started by the C++ e2e harness
// (SuccessScenarioTest) with Support's SLA sweep and Success's feed poll and
// account review set to fractions of a second.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { connect, requireEnv, unary } from './tandem_client.mjs';

const { TANDEM_TOKEN: admin } = requireEnv('TANDEM_TOKEN');
const tandem = connect();
after(() => tandem.close());
const run = randomUUID().slice(0, 8);

const DAY_MS = 24 * 3600 * 1000;
const KEY_FEATURES = ['reports', 'dashboards', 'alerts'];
// Longest wait for something that flows Support → feed → Success → review.
const WAIT_MS = 30_000;

const timestamp = (millis) => ({
  seconds: String(Math.floor(millis / 1000)), nanos: (millis % 1000) * 1e6,
});

// Polls `probe` until it returns a value other than undefined, or fails
// after `timeoutMs` with `what` and the last value seen.
async function waitFor(what, probe, timeoutMs = WAIT_MS) {
  const give_up = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last !== undefined) return last;
    if (Date.now() > give_up) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const health = (account) =>
  unary(tandem.accountHealth, 'GetAccountHealth', { name: `${account.name}/health` }, admin);

async function ctasOf(account, type) {
  const response = await unary(tandem.playbooks, 'ListCtas', {
    filter: `account = "${account.name}" AND type = ${type}`, page_size: 100,
  }, admin);
  return response.ctas;
}

// An account of `tier` owned by `owner`, with `seats` licensed of which
// `activeUsers` used every key feature over the last week, and a champion.
async function healthyAccount(label, tier, owner, seats, activeUsers) {
  const account = await unary(tandem.success, 'CreateAccount', {
    account: {
      display_name: `${label} ${run}`, owner, touch_tier: tier, seats_licensed: seats,
    },
  }, admin);
  await unary(tandem.success, 'CreateContact', {
    parent: account.name,
    contact: {
      display_name: 'Chris Champion', email: `chris-${label}-${run}@example.com`,
      roles: ['CHAMPION'],
    },
  }, admin);
  const events = [];
  for (let user = 0; user < activeUsers; user++) {
    for (const feature of KEY_FEATURES) {
      for (let day = 1; day <= 7; day++) {
        events.push({
          event_id: `${account.name.split("/")[1]}-${user}-${feature}-${day}`,
          account: account.name, feature,
          user: `user-${user}`, count: '3', event_time: timestamp(Date.now() - day * DAY_MS),
        });
      }
    }
  }
  await unary(tandem.usage, 'IngestUsageEvents', { events }, admin);
  await waitFor(`${label} to score GREEN`, async () => {
    const scored = await health(account).catch(() => undefined);
    return scored && scored.band === 'GREEN' ? scored : undefined;
  });
  return account;
}

// A COMPLAINT ticket on `account` whose 2-second first-response target
// passes unanswered, so Support records an SLA breach.
async function complainAndBreach(account) {
  const ticket = await unary(tandem.support, 'CreateTicket', {
    ticket: {
      subject: `Nothing works (${account.display_name})`, account: account.name,
      type: 'COMPLAINT', requester_email: `angry-${run}@example.com`,
    },
  }, admin);
  return waitFor('the SLA breach in Support', async () => {
    const current = await unary(tandem.support, 'GetTicket', { name: ticket.name }, admin);
    const breached = current.sla && current.sla.metrics.some((metric) => metric.breached);
    return breached ? current : undefined;
  });
}

before(async () => {
  await unary(tandem.usage, 'UpdateKeyFeatures', {
    key_features: { name: 'keyFeatures', features: KEY_FEATURES },
    update_mask: { paths: ['features'] },
  }, admin);
  await unary(tandem.sla, 'CreateSlaPolicy', {
    sla_policy: {
      display_name: `Complaints answered fast ${run}`, types: ['COMPLAINT'],
      first_response_target: { seconds: '2', nanos: 0 },
    },
  }, admin);
});

test('a complaint and an SLA breach on a high-touch account open exactly one risk CTA for its owner', async () => {
  const account = await healthyAccount('Hightouch', 'HIGH_TOUCH', `hana-${run}`, 10, 8);
  const ticket = await complainAndBreach(account);

  const fallen = await waitFor('health to leave GREEN', async () => {
    const scored = await health(account);
    return scored.band !== 'GREEN' ? scored : undefined;
  });
  assert.ok(['YELLOW', 'RED'].includes(fallen.band), `band ${fallen.band}`);
  const support = fallen.breakdown.find((measure) => measure.measure === 'SUPPORT');
  assert.ok(support && support.known, 'the support measure is in the breakdown');
  const worst = fallen.breakdown.reduce((a, b) => (b.points_lost > a.points_lost ? b : a));
  assert.equal(worst.measure, 'SUPPORT', `largest loss: ${JSON.stringify(fallen.breakdown)}`);
  assert.match(support.explanation, /complaint/i);
  const sum = fallen.breakdown.reduce((total, measure) => total + measure.points, 0);
  assert.equal(sum, fallen.score, 'the breakdown adds up to the score');

  const [risk] = await waitFor('a risk CTA', async () => {
    const open = await ctasOf(account, 'RISK');
    return open.length > 0 ? open : undefined;
  });
  assert.equal(risk.owner, `hana-${run}`);
  assert.equal(risk.status, 'OPEN');

  // More events about the same trouble: an escalation, a customer reply, a
  // second complaint. However many arrive, the account keeps one risk CTA.
  await unary(tandem.support, 'EscalateTicket', { name: ticket.name, reason: 'Angry' }, admin);
  await unary(tandem.support, 'CreateMessage', {
    parent: ticket.name, message: { author_type: 'CUSTOMER', body: 'Still broken' },
  }, admin);
  await complainAndBreach(account);
  await waitFor('Success to see the escalation', async () => {
    const timeline = await unary(tandem.engagement, 'ListTimeline',
      { parent: account.name, page_size: 200 }, admin);
    const text = JSON.stringify(timeline);
    return /TicketEscalated|ESCALAT/i.test(text) ? timeline : undefined;
  });
  // Absence needs a pause: several review rounds (200 ms apart) pass.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const risks = await ctasOf(account, 'RISK');
  assert.equal(risks.length, 1, JSON.stringify(risks));
  assert.equal(risks[0].name, risk.name);
  assert.ok(risks[0].reasons.length >= 1);
});

test('the same trouble on a tech-touch account queues an outreach message instead of a CTA', async () => {
  const account = await healthyAccount('Techtouch', 'TECH_TOUCH', `tomo-${run}`, 10, 8);
  await complainAndBreach(account);

  const messages = await waitFor('an outreach message', async () => {
    const response = await unary(tandem.playbooks, 'ListOutreachMessages',
      { filter: `account = "${account.name}"`, page_size: 50 }, admin);
    const followUp = response.outreach_messages.some(
      (message) => message.template_id === 'support-follow-up');
    return followUp ? response.outreach_messages : undefined;
  });
  const followUps = messages.filter((message) => message.template_id === 'support-follow-up');
  assert.equal(followUps.length, 1, JSON.stringify(messages));
  const recipients = followUps[0].recipients.map((recipient) => recipient.email);
  assert.ok(recipients.includes(`chris-Techtouch-${run}@example.com`), JSON.stringify(messages));
  assert.deepEqual(await ctasOf(account, 'RISK'), []);

  // The e-mail platform's contract: the message is in Success's event feed.
  const events = [];
  let after_cursor = '0';
  for (;;) {
    const page = await unary(tandem.successFeed, 'ListEvents',
      { after_cursor, page_size: 1000 }, admin);
    if (page.events.length === 0) break;
    events.push(...page.events);
    after_cursor = page.events.at(-1).cursor;
  }
  const requested = events
    .filter((event) => event.type === 'OutreachRequested')
    .map((event) => tandem.type('tandem.success.v1.OutreachRequested')
      .deserialize(event.payload.value))
    .filter((payload) => payload.message.account === account.name);
  assert.ok(requested.length >= 1, 'OutreachRequested for the account in the feed');
  assert.ok(requested.some((payload) => payload.message.name === followUps[0].name));
});

test('a renewal 90 days out opens a renewal CTA', async () => {
  const account = await healthyAccount('Renewing', 'HIGH_TOUCH', `rio-${run}`, 10, 8);
  await unary(tandem.lifecycle, 'CreateRenewal', {
    parent: account.name,
    renewal: {
      due_time: timestamp(Date.now() + 90 * DAY_MS - 60_000),
      target_amount_minor: '1200000', currency_code: 'USD',
    },
  }, admin);
  const [renewal] = await waitFor('a renewal CTA', async () => {
    const open = await ctasOf(account, 'RENEWAL');
    return open.length > 0 ? open : undefined;
  });
  assert.equal(renewal.owner, `rio-${run}`);
});

test('seat utilisation over the threshold on a GREEN account opens an expansion CTA', async () => {
  const account = await healthyAccount('Growing', 'HIGH_TOUCH', `gin-${run}`, 10, 10);
  const [expansion] = await waitFor('an expansion CTA', async () => {
    const open = await ctasOf(account, 'EXPANSION');
    return open.length > 0 ? open : undefined;
  });
  assert.equal(expansion.owner, `gin-${run}`);
  // A healthy account using 8 of 10 seats gets none.
  const modest = await healthyAccount('Steady', 'HIGH_TOUCH', `sam-${run}`, 10, 8);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(await ctasOf(modest, 'EXPANSION'), []);
});
