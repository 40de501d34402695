// A whole ticket's life from a Node.js client, as a support team lives it:
// an e-mail arrives and is auto-assigned, an internal note, the first
// public reply, pending, the customer answers, solved, rated, reopened,
// solved again, closed. Every step checks the ticket's timestamps and
// counts, its SLA, its history, and at the end the exact events the feed
// published. Started by the C++ e2e harness like walkthrough.test.mjs.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';

import { connect, requireEnv, unary } from './tandem_client.mjs';

const { TANDEM_TOKEN: admin } = requireEnv('TANDEM_TOKEN');
const tandem = connect();
after(() => tandem.close());
const run = randomUUID().slice(0, 8);

const millis = (timestamp) =>
  timestamp ? Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6) : null;
const metric = (ticket, kind) => ticket.sla.metrics.find((m) => m.kind === kind);

async function post(ticket, author_type, body, internal = false) {
  return unary(tandem.support, 'CreateMessage', {
    parent: ticket.name, message: { author_type, body, internal },
  }, admin);
}

async function setStatus(ticket, status) {
  return unary(tandem.support, 'UpdateTicket', {
    ticket: { name: ticket.name, status }, update_mask: { paths: ['status'] },
  }, admin);
}

const get = (ticket) => unary(tandem.support, 'GetTicket', { name: ticket.name }, admin);

// Every event of the support feed about `subject`, in feed order.
async function eventsOf(subject) {
  const found = [];
  let after_cursor = '0';
  for (let page = 0; page < 1000; page++) {
    const response = await unary(tandem.supportFeed, 'ListEvents',
      { after_cursor, page_size: 1000 }, admin);
    if (response.events.length === 0) break;
    found.push(...response.events.filter((event) => event.subject === subject));
    after_cursor = response.events.at(-1).cursor;
  }
  return found;
}

test('a ticket lives from e-mail to close with every timestamp, count, SLA step and event', async () => {
  // The team: a group with one available agent, and an SLA for urgent e-mail.
  const group = await unary(tandem.agents, 'CreateGroup',
    { group: { display_name: `Billing ${run}` } }, admin);
  const kim = await unary(tandem.agents, 'CreateAgent', {
    agent: {
      display_name: 'Kim', email: `kim-${run}@example.com`, availability: 'AVAILABLE',
      capacity: 10, groups: [group.name],
    },
  }, admin);
  const policy = await unary(tandem.sla, 'CreateSlaPolicy', {
    sla_policy: {
      display_name: `Urgent e-mail ${run}`, priorities: ['URGENT'],
      channels: ['EMAIL'], first_response_target: { seconds: 3600 },
      next_response_target: { seconds: 7200 }, resolution_target: { seconds: 28800 },
    },
  }, admin);

  // 1. The e-mail arrives and goes to Kim, the group's least-loaded agent.
  let ticket = await unary(tandem.support, 'CreateTicket', {
    ticket: {
      subject: 'Charged twice for November', description: 'Two identical charges on my card.',
      requester_email: 'lee@example.com', channel: 'EMAIL', priority: 'URGENT', type: 'INCIDENT',
      group: group.name,
    },
    request_id: `life-${run}`,
  }, admin);
  const created = millis(ticket.create_time);
  assert.equal(ticket.status, 'NEW');
  assert.equal(ticket.assignee, kim.name);
  assert.equal(ticket.sla.policy, policy.name);
  assert.equal(millis(metric(ticket, 'FIRST_RESPONSE').due_time), created + 3600_000);
  assert.equal(millis(metric(ticket, 'RESOLUTION').due_time), created + 28800_000);

  // 2. An internal note changes nothing the customer sees.
  const note = await post(ticket, 'AGENT', 'Looks like a duplicate capture.', true);
  ticket = await get(ticket);
  assert.equal(ticket.status, 'NEW');
  assert.equal(ticket.first_response_time, null);
  assert.equal(ticket.agent_reply_count, 0);
  assert.equal(metric(ticket, 'FIRST_RESPONSE').stage, 'RUNNING');

  // 3. The first public reply stamps first response and opens the ticket.
  const reply = await post(ticket, 'AGENT', 'We are looking into the double charge.');
  ticket = await get(ticket);
  assert.equal(ticket.status, 'OPEN');
  assert.equal(millis(ticket.first_response_time), millis(reply.create_time));
  assert.ok(millis(reply.create_time) >= millis(note.create_time));
  assert.equal(ticket.agent_reply_count, 1);
  assert.equal(metric(ticket, 'FIRST_RESPONSE').stage, 'FULFILLED');
  assert.equal(metric(ticket, 'FIRST_RESPONSE').breached, false);

  // 4. Pending: waiting for the customer pauses the resolution clock.
  ticket = await setStatus(ticket, 'PENDING');
  assert.equal(ticket.status, 'PENDING');
  assert.equal(metric(ticket, 'RESOLUTION').stage, 'PAUSED');

  // 5. The customer answers: open again, the clock runs, a next response is due.
  const answer = await post(ticket, 'CUSTOMER', 'Here is the bank statement.');
  ticket = await get(ticket);
  assert.equal(ticket.status, 'OPEN');
  assert.equal(metric(ticket, 'RESOLUTION').stage, 'RUNNING');
  assert.equal(metric(ticket, 'NEXT_RESPONSE').stage, 'RUNNING');
  assert.equal(millis(metric(ticket, 'NEXT_RESPONSE').due_time), millis(answer.create_time) + 7200_000);

  // 6. Solved.
  ticket = await setStatus(ticket, 'SOLVED');
  const firstSolve = millis(ticket.solve_time);
  assert.ok(firstSolve >= millis(answer.create_time));
  assert.equal(metric(ticket, 'RESOLUTION').stage, 'FULFILLED');
  assert.equal(ticket.reopen_count, 0);

  // 7. The customer rates it; the rating counts for Kim.
  ticket = await unary(tandem.support, 'RateTicket',
    { name: ticket.name, rating: { score: 5, comment: 'Refunded fast' } }, admin);
  assert.equal(ticket.satisfaction.score, 5);
  assert.equal(ticket.satisfaction.rated_agent, kim.name);

  // 8. Reopened, solved again, closed.
  ticket = await setStatus(ticket, 'OPEN');
  assert.equal(ticket.reopen_count, 1);
  assert.equal(ticket.solve_time, null);
  assert.equal(metric(ticket, 'RESOLUTION').stage, 'RUNNING');
  ticket = await setStatus(ticket, 'SOLVED');
  assert.ok(millis(ticket.solve_time) >= firstSolve);
  ticket = await setStatus(ticket, 'CLOSED');
  assert.equal(ticket.status, 'CLOSED');
  assert.ok(millis(ticket.close_time) >= millis(ticket.solve_time));
  assert.equal(millis(ticket.update_time), millis(ticket.close_time));
  assert.equal(ticket.reopen_count, 1);
  assert.equal(ticket.agent_reply_count, 1);
  assert.equal(ticket.satisfaction.score, 5);
  assert.equal(metric(ticket, 'FIRST_RESPONSE').breached, false);

  // The messages, and what the requester sees.
  const all = await unary(tandem.support, 'ListMessages', { parent: ticket.name }, admin);
  assert.equal(all.messages.length, 3);
  const visible = await unary(tandem.support, 'ListMessages',
    { parent: ticket.name, public_only: true }, admin);
  assert.deepEqual(visible.messages.map((m) => m.author_type), ['AGENT', 'CUSTOMER']);

  // The history, oldest first.
  const history = await unary(tandem.support, 'ListTicketChanges', { parent: ticket.name }, admin);
  const statuses = history.changes.filter((c) => c.field === 'status')
    .map((c) => `${c.old_value}>${c.new_value}`);
  assert.deepEqual(statuses, ['NEW>OPEN', 'OPEN>PENDING', 'PENDING>OPEN', 'OPEN>SOLVED',
    'SOLVED>OPEN', 'OPEN>SOLVED', 'SOLVED>CLOSED']);
  const routed = history.changes.find((c) => c.field === 'assignee');
  assert.equal(routed.actor, 'system:routing');
  assert.equal(routed.new_value, kim.name);

  // The events, exactly, in order; each carries the ticket as it then was.
  const events = await eventsOf(ticket.name);
  assert.deepEqual(events.map((e) => e.type), [
    'TicketCreated',
    'TicketReplied', // the note
    'TicketUpdated', 'TicketReplied', // first reply opens it
    'TicketUpdated', // pending
    'TicketUpdated', 'TicketReplied', // the customer answers
    'TicketUpdated', 'TicketSolved',
    'TicketRated',
    'TicketUpdated', 'TicketReopened',
    'TicketUpdated', 'TicketSolved',
    'TicketUpdated', 'TicketClosed',
  ]);
  const decode = (event) => tandem.type(`tandem.support.v1.${event.type}`)
    .deserialize(event.payload.value);
  const replies = events.filter((e) => e.type === 'TicketReplied').map(decode);
  assert.deepEqual(replies.map((r) => r.first_response), [false, true, false]);
  assert.equal(Number(replies[1].first_response_duration.seconds),
    Math.floor((millis(reply.create_time) - created) / 1000));
  const solves = events.filter((e) => e.type === 'TicketSolved').map(decode);
  assert.equal(solves.length, 2);
  assert.equal(solves[0].ticket.assignee, kim.name);
  assert.equal(solves[0].ticket.channel, 'EMAIL');
  assert.equal(solves[0].ticket.priority, 'URGENT');
  assert.ok(Number(solves[0].resolution_duration.seconds) >= 0);
  const closed = decode(events.at(-1));
  assert.equal(closed.ticket.status, 'CLOSED');
  assert.equal(closed.imported, false);
  for (let i = 1; i < events.length; i++) {
    assert.ok(Number(events[i].cursor) > Number(events[i - 1].cursor), 'cursors increase');
    assert.ok(millis(events[i].occur_time) >= millis(events[i - 1].occur_time), 'times increase');
  }
});
