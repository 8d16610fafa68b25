// Choosing the one authentic value among a request's candidate cookies (issue 9.7).
//
// A request can carry several values under the session cookie's names: duplicates planted by a
// sibling subdomain or a longer Path, garbage, several chunk sets. Header order is chosen by
// whoever planted the cookies, so it decides nothing: every candidate is tried, those that do not
// authenticate are ignored, and two different values that authenticate make the request
// ambiguous (the session layer then gives an anonymous session with reason `ambiguous`).

/** The outcome of trying every candidate. */
export type Authentic<R> =
  | { readonly kind: 'one'; readonly result: R }
  | { readonly kind: 'ambiguous' }
  | { readonly kind: 'none'; readonly failure: R | undefined }

/**
 * Tries every value with `decode` (a throw counts as not authentic). `ok` tells an authentic
 * result. Values are distinct (the cookie reader dedupes them), so two authentic results are two
 * different cookies. `failure` is the first non-authentic result, for the reject reason.
 */
export async function selectAuthentic<R>(
  values: readonly string[],
  decode: (value: string) => R | Promise<R>,
  ok: (result: R) => boolean,
): Promise<Authentic<R>> {
  let found: R | undefined
  let failure: R | undefined
  let authentic = 0
  for (const value of values) {
    let result: R
    try {
      result = await decode(value)
    } catch {
      continue
    }
    if (!ok(result)) failure ??= result
    else if (++authentic === 1) found = result
  }
  if (authentic > 1) return { kind: 'ambiguous' }
  return authentic === 1 ? { kind: 'one', result: found as R } : { kind: 'none', failure }
}
