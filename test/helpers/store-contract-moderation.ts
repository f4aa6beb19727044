/** Contract cases of the moderation repository (and the store methods moderation relies on). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DomainBlockRecord, NewDeliveryJob, ReportRecord } from '../../server/store/index.js';
import { account } from './store-contract-accounts.js';
import type { ContractContext } from './store-contract-context.js';
import { person } from './store-fixtures.js';

const T0 = new Date('2030-02-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function block(domain: string, extra: Partial<DomainBlockRecord> = {}): DomainBlockRecord {
  return { domain, level: 'suspend', reason: 'harassment ünïcödé', publicComment: '', createdAt: T0, updatedAt: T0, ...extra };
}

function report(id: string, extra: Partial<ReportRecord> = {}): ReportRecord {
  return {
    id, source: 'local', reporter: 'persona-1', targetKind: 'persona', target: 'persona-2', targetLabel: '@bob',
    roomId: null, comment: 'they shouted', createdAt: T0, activityId: null, resolution: null, ...extra,
  };
}

function job(host: string, n: number): NewDeliveryJob {
  return {
    activityId: `https://hearth.test/activities/${n}`, inbox: `https://${host}/inbox`, host, body: '{}',
    keyId: 'https://hearth.test/u/alice#main-key', privateKeyPem: 'PEM', batchId: null,
  };
}

export function defineModerationContract(ctx: ContractContext): void {
  it('grants and takes the moderator role only for existing accounts, and counts accounts', async () => {
    const { accounts, moderation } = ctx.store();
    assert.equal(await accounts.count(), 0);
    const a = account('mod1');
    const b = account('mod2');
    await accounts.create(a, []);
    await accounts.create(b, []);
    assert.equal(await accounts.count(), 2);
    assert.equal(await moderation.setModerator(a.id, true), true);
    assert.equal(await moderation.setModerator(a.id, true), false);
    assert.equal(await moderation.setModerator('no-such-account', true), false);
    assert.equal(await moderation.setModerator(b.id, true), true);
    assert.deepEqual(await moderation.moderators(), [a.id, b.id].sort());
    assert.equal(await moderation.setModerator(b.id, false), true);
    assert.equal(await moderation.setModerator(b.id, false), false);
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.moderation.moderators(), [a.id]);
    await reopened.moderation.forgetAccount(a.id);
    assert.deepEqual(await reopened.moderation.moderators(), []);
  });

  it('suspends accounts once, lifts suspensions and forgets them with the account', async () => {
    const { accounts, moderation } = ctx.store();
    const a = account('suspended1');
    await accounts.create(a, []);
    await moderation.suspendAccount(a.id, T0, 'spam');
    await moderation.suspendAccount(a.id, at(1), 'again');
    await moderation.suspendAccount('no-such-account', T0, 'x');
    assert.deepEqual(await moderation.suspendedAccounts(), [a.id]);
    assert.equal(await moderation.liftSuspension(a.id), true);
    assert.equal(await moderation.liftSuspension(a.id), false);
    await moderation.suspendAccount(a.id, T0, 'spam');
    await moderation.forgetAccount(a.id);
    assert.deepEqual(await moderation.suspendedAccounts(), []);
  });

  it('stores, replaces, lists and deletes domain blocks', async () => {
    const { moderation } = ctx.store();
    await moderation.putDomainBlock(block('zeta.example'));
    await moderation.putDomainBlock(block('alpha.example', { level: 'limit', publicComment: 'spam' }));
    assert.deepEqual(await moderation.getDomainBlock('zeta.example'), block('zeta.example'));
    assert.equal(await moderation.getDomainBlock('ZETA.example'), undefined);
    await moderation.putDomainBlock(block('zeta.example', { level: 'limit', updatedAt: at(5) }));
    assert.deepEqual((await moderation.listDomainBlocks()).map((b) => [b.domain, b.level]), [['alpha.example', 'limit'], ['zeta.example', 'limit']]);
    assert.equal(await moderation.deleteDomainBlock('zeta.example'), true);
    assert.equal(await moderation.deleteDomainBlock('zeta.example'), false);
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.moderation.listDomainBlocks(), [block('alpha.example', { level: 'limit', publicComment: 'spam' })]);
  });

  it('queues reports once per id and per inbound activity, pages them newest first and resolves each once', async () => {
    const { moderation } = ctx.store();
    assert.equal(await moderation.createReport(report('r1')), true);
    assert.equal(await moderation.createReport(report('r1', { comment: 'other' })), false);
    const flag = report('r2', { source: 'remote', reporter: 'https://far.example/actor', activityId: 'https://far.example/flags/1', createdAt: at(1) });
    assert.equal(await moderation.createReport(flag), true);
    assert.equal(await moderation.createReport({ ...flag, id: 'r2b' }), false);
    assert.equal(await moderation.createReport(report('r3', { targetKind: 'room', target: 'room-1', roomId: 'room-1', createdAt: at(2) })), true);
    assert.deepEqual(await moderation.getReport('r2'), flag);
    assert.deepEqual((await moderation.listReports({ resolved: false, limit: 10 })).map((r) => r.id), ['r3', 'r2', 'r1']);
    assert.deepEqual((await moderation.listReports({ resolved: false, limit: 1, before: 'r3' })).map((r) => r.id), ['r2']);
    assert.deepEqual(await moderation.listReports({ resolved: false, limit: 5, before: 'missing' }), []);
    const resolution = { action: 'dismiss' as const, by: 'mod1', at: at(9), note: 'fine' };
    assert.equal(await moderation.resolveReport('r2', resolution), true);
    assert.equal(await moderation.resolveReport('r2', { ...resolution, action: 'block_domain' }), false);
    assert.equal(await moderation.resolveReport('missing', resolution), false);
    assert.deepEqual((await moderation.listReports({ resolved: false, limit: 10 })).map((r) => r.id), ['r3', 'r1']);
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.moderation.listReports({ resolved: true, limit: 10 }), [{ ...flag, resolution }]);
  });

  it('appends audit entries, pages them newest first, and anonymizes an actor without losing entries', async () => {
    const { moderation } = ctx.store();
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      seqs.push(await moderation.appendAudit({ at: at(i), actorAccountId: i === 1 ? 'acc-2' : 'acc-1', actor: i === 1 ? 'bob' : 'alice', action: 'domain_block.create', target: `d${i}.example`, reason: `r${i}` }));
    }
    assert.ok((seqs[0] ?? 0) < (seqs[1] ?? 0) && (seqs[1] ?? 0) < (seqs[2] ?? 0));
    const all = await moderation.listAudit({ limit: 10 });
    assert.deepEqual(all.map((e) => [e.actor, e.target, e.reason]), [['alice', 'd2.example', 'r2'], ['bob', 'd1.example', 'r1'], ['alice', 'd0.example', 'r0']]);
    assert.deepEqual(all[0]?.at, at(2));
    assert.deepEqual((await moderation.listAudit({ limit: 1, beforeSeq: seqs[2] })).map((e) => e.target), ['d1.example']);
    assert.equal(await moderation.anonymizeAuditActor('acc-1', 'former-staff-1'), 2);
    const reopened = await ctx.reopen();
    assert.deepEqual((await reopened.moderation.listAudit({ limit: 10 })).map((e) => e.actor), ['former-staff-1', 'bob', 'former-staff-1']);
  });

  it('lists stored object ids on a domain and its subdomains only', async () => {
    const { apex, federation } = ctx.store();
    for (const host of ['https://bad.example', 'https://sub.bad.example:8443', 'https://notbad.example', 'https://bad.example.org']) {
      await apex.saveObject(person('x', { host }));
    }
    assert.deepEqual((await federation.objectIdsOnDomain('bad.example')).sort(), ['https://bad.example/u/x', 'https://sub.bad.example:8443/u/x']);
    assert.deepEqual(await federation.objectIdsOnDomain('none.example'), []);
  });

  it('lists hosts with open deliveries and cancels one host\'s open jobs', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job('b.example', 1), job('a.example', 1), job('a.example', 2)], T0);
    assert.deepEqual(await delivery.openHosts(), ['a.example', 'b.example']);
    assert.equal(await delivery.cancelForHost('a.example', at(1), 'instance suspended'), 2);
    const cancelled = await delivery.findJob(job('a.example', 1).activityId, job('a.example', 1).inbox);
    assert.deepEqual([cancelled?.state, cancelled?.lastError, cancelled?.privateKeyPem], ['failed', 'instance suspended', null]);
    assert.deepEqual(await delivery.openHosts(), ['b.example']);
  });
}
