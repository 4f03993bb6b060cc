// The naive baseline refiner the benchmark compares against (issue 2, "Performance"):
// for each Allow statement, expand every entry by testing EVERY catalog action against its compiled
// glob, remove the unused actions, and list what remains explicitly. No trie, no prefix ranges, no
// proof, no generalization. Deny statements and non-action fields are copied as they are.
//
// Fairness notes: the glob is compiled once per entry and tested with `testLower` on the catalog's
// precomputed lower-case keys (the same fast path the real matcher uses), so the baseline is naive
// in algorithm, not in micro-implementation. The unused set is built inside the call, as the
// subject does. Literal entries that name no catalog action are kept verbatim (as the subject does),
// so recommended actions can be compared.

/**
 * Builds the unused lookup: whole services and single lower-case `service:action` keys.
 * Accepts `["s3:GetObject", "ec2:*"]` or the article's `[{serviceNamespace, actions?}]`.
 */
export function naiveUnusedSet(unused) {
  const services = new Set();
  const actions = new Set();
  for (const u of unused) {
    if (typeof u === 'string') {
      const lower = u.toLowerCase();
      const colon = lower.indexOf(':');
      if (lower.slice(colon + 1) === '*') services.add(lower.slice(0, colon));
      else actions.add(lower);
    } else if (u && typeof u.serviceNamespace === 'string') {
      const service = u.serviceNamespace.toLowerCase();
      if (!Array.isArray(u.actions)) services.add(service);
      else for (const a of u.actions) actions.add(`${service}:${String(a).toLowerCase()}`);
    }
  }
  return {
    has(key) {
      return actions.has(key) || services.has(key.slice(0, key.indexOf(':')));
    },
  };
}

function toList(v) {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((e) => typeof e === 'string');
}

/**
 * @param {object} policy - a parsed policy document
 * @param {Array} unused - see {@link naiveUnusedSet}
 * @param {{catalog: import('../dist/catalog/catalog.js').ActionCatalog, compileGlob: Function}} deps
 * @returns {{recommendedAction: 'CREATE_POLICY'|'DETACH_POLICY'|'NONE', policy: object|null}}
 */
export function naiveRefine(policy, unused, { catalog, compileGlob }) {
  const isUnused = naiveUnusedSet(unused);
  const actions = catalog.actions;
  const raw = policy.Statement;
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const out = [];
  let changed = false;
  let anyAllow = false;
  let anyDeny = false;
  for (const st of statements) {
    if (!st || typeof st !== 'object' || st.Effect !== 'Allow') {
      if (st && st.Effect === 'Deny') anyDeny = true;
      out.push(st);
      continue;
    }
    const not = st.NotAction !== undefined;
    const entries = toList(not ? st.NotAction : st.Action);
    const globs = entries.map((e) => compileGlob(e));
    const matched = new Uint8Array(actions.length);
    const keptUnknown = [];
    for (let g = 0; g < globs.length; g++) {
      const glob = globs[g];
      let hit = false;
      for (let i = 0; i < actions.length; i++) {
        if (glob.testLower(actions[i].key)) {
          matched[i] = 1;
          hit = true;
        }
      }
      if (!hit && !not) keptUnknown.push(entries[g]);
    }
    const list = [];
    let removed = 0;
    for (let i = 0; i < actions.length; i++) {
      const allowed = not ? matched[i] === 0 : matched[i] === 1;
      if (!allowed) continue;
      if (isUnused.has(actions[i].key)) removed++;
      else list.push(actions[i].full);
    }
    if (removed > 0) changed = true;
    list.push(...keptUnknown);
    if (list.length === 0) continue;
    anyAllow = true;
    const copy = {};
    for (const [k, v] of Object.entries(st)) {
      if (k === 'NotAction') copy.Action = list;
      else copy[k] = k === 'Action' ? list : v;
    }
    out.push(copy);
  }
  if (!changed) return { recommendedAction: 'NONE', policy: null };
  if (!anyAllow && !anyDeny) return { recommendedAction: 'DETACH_POLICY', policy: null };
  return { recommendedAction: 'CREATE_POLICY', policy: { ...policy, Statement: out } };
}
