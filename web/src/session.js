// Who is signed in (GET /api/v1/whoami): what the page offers depends on
// the token's role. weftd decides all the same; this only hides what would
// be refused.
export const session = { caller: null };

const RANK = { viewer: 0, operator: 1, admin: 2 };
export const may = (role) => session.caller !== null && RANK[session.caller.role] >= RANK[role];
