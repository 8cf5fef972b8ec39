// Chain findings (RFC 5246 §7.4.2, RFC 8446 §4.4.2, RFC 5280 §6.1): self-signed leaf, untrusted root,
// missing or unknown issuer, too long, wrong order, extra certificates. Pure; reads the built path only.
import { assertNever, type Finding } from '../events/schema';
import { MAX_PATH_LENGTH } from './chain';
import type { Check, CheckContext, CheckResult } from './context';
import { onPath, phrase } from './context';
import { finding } from './findings';
import { say, sayOk } from './finding-text';
import { displayName } from './parse-certificate';
import { lower } from './words';

/** Findings about how the path ends, keyed to the certificate where it ends. */
function endFindings(ctx: CheckContext): Finding[] {
  const e = ctx.end;
  switch (e.kind) {
    case 'trusted':
      return [];
    case 'self-signed-leaf':
      return [
        finding(
          'CHAIN_SELF_SIGNED_LEAF',
          0,
          say('CHAIN_SELF_SIGNED_LEAF'),
          { subject: ctx.certs[0]!.subject },
        ),
      ];
    case 'untrusted-root': {
      const root = ctx.certs[e.root]!;
      return [
        finding(
          'CHAIN_UNTRUSTED_ROOT',
          e.root,
          say('CHAIN_UNTRUSTED_ROOT', { root: displayName(root), index: e.root }),
          { root: root.subject, fingerprint256: root.fingerprint256 },
        ),
      ];
    }
    case 'issuer-missing': {
      const last = ctx.certs[e.last]!;
      const issuer = last.issuerCN ?? last.issuer;
      const detail: Record<string, string> = { certificate: last.subject, missingIssuer: last.issuer };
      if (last.caIssuers.length > 0) detail.caIssuersUrl = last.caIssuers.join(' ');
      if (e.loop) detail.loop = 'the issuer candidates were already in the path (a loop)';
      // A leaf (or any certificate pointing at where its issuer can be downloaded) whose issuer is missing:
      // the server most likely left out its intermediate. Public roots do not issue leaves directly
      // (CA/Browser Forum Baseline Requirements §6.1.7).
      const leafLike = e.last === 0 || last.caIssuers.length > 0;
      if (leafLike) {
        return [
          finding(
            'CHAIN_MISSING_INTERMEDIATE',
            e.last,
            last.caIssuers.length > 0
              ? say('CHAIN_MISSING_INTERMEDIATE.aia', { who: phrase(ctx, e.last), issuer, url: last.caIssuers[0] ?? '' })
              : say('CHAIN_MISSING_INTERMEDIATE', { who: phrase(ctx, e.last), issuer }),
            detail,
          ),
        ];
      }
      return [
        finding(
          'CHAIN_UNKNOWN_ISSUER',
          e.last,
          say('CHAIN_UNKNOWN_ISSUER', { who: phrase(ctx, e.last), issuer }),
          detail,
        ),
      ];
    }
    case 'too-long':
      return [
        finding(
          'CHAIN_TOO_LONG',
          null,
          say('CHAIN_TOO_LONG', { limit: MAX_PATH_LENGTH }),
          { limit: String(MAX_PATH_LENGTH) },
        ),
      ];
    default:
      return assertNever(e);
  }
}

/** Sent certificates should come leaf first, each followed by its issuer (RFC 5246 §7.4.2). */
function orderFinding(ctx: CheckContext): Finding[] {
  const sentInPath = ctx.path.filter((i) => i < ctx.sentCount);
  if (sentInPath.every((idx, pos) => idx === pos)) return [];
  return [
    finding(
      'CHAIN_WRONG_ORDER',
      null,
      say('CHAIN_WRONG_ORDER', { order: sentInPath.map((i) => `#${i}`).join(' → ') }),
      { pathOrder: sentInPath.join(','), sentCount: String(ctx.sentCount) },
    ),
  ];
}

export const checkChain: Check = (ctx) => {
  const results: CheckResult[] = [];
  const ends = endFindings(ctx);
  const order = orderFinding(ctx);
  ctx.certs.forEach((cert, index) => {
    if (!cert) return;
    const findings = ends.filter((f) => f.certIndex === index);
    let okMessage: string;
    if (!onPath(ctx, index)) {
      findings.push(
        finding(
          'CHAIN_EXTRA_CERT',
          index,
          ctx.end.kind === 'too-long'
            ? say('CHAIN_EXTRA_CERT.unexamined', { who: phrase(ctx, index) })
            : say('CHAIN_EXTRA_CERT', { who: phrase(ctx, index) }),
          { subject: cert.subject, issuer: cert.issuer },
        ),
      );
      okMessage = '';
    } else {
      const pos = ctx.path.indexOf(index);
      const next = ctx.path[pos + 1];
      const e = ctx.end;
      if (e.kind === 'trusted' && e.anchor === index) {
        okMessage =
          index >= ctx.sentCount
            ? sayOk('chain.trusted_here', { who: phrase(ctx, index) })
            : sayOk('chain.in_store_here', { who: phrase(ctx, index) });
      } else if (next !== undefined) {
        okMessage = sayOk('chain.issued_by', { who: phrase(ctx, index), issuer: lower(phrase(ctx, next)) });
      } else {
        okMessage = sayOk('chain.stops_here', { who: phrase(ctx, index) });
      }
    }
    results.push({ index, check: 'chain', findings, okMessage });
  });
  // Findings about the whole chain ride on the leaf's result so that they are reported once.
  const leaf = results.find((r) => r.index === 0);
  if (leaf) leaf.findings.push(...order, ...ends.filter((f) => f.certIndex === null));
  return results;
};
