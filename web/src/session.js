// Who is signed in (GET /api/v1/whoami): what the page offers depends on
// the token's role and workflow scope. weftd decides all the same; this
// only hides what it would refuse.
export const session = { caller: null };

const RANK = { viewer: 0, operator: 1, admin: 2 };

// A token's scope is a shell pattern (docs/api.md "Tokens"): *, ? and […].
function globToRegExp(glob) {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return null;
      const set = glob.slice(i + 1, end);
      const negated = set[0] === '!' || set[0] === '^';
      const members = (negated ? set.slice(1) : set).replace(/[\\\]]/g, '\\$&');
      source += `[${negated ? '^' : ''}${members}]`;
      i = end;
    } else source += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

// Whether the caller's role reaches `role` and, when `workflow` is named,
// its scope covers that workflow.
export function may(role, workflow = null) {
  const caller = session.caller;
  if (caller === null || RANK[caller.role] < RANK[role]) return false;
  if (workflow === null || !caller.workflows) return true;
  const pattern = globToRegExp(caller.workflows);
  return pattern === null || pattern.test(workflow);
}
