// The Standard Schema v1 interface (standardschema.dev), copied as its authors recommend so that
// cachet depends on no validator: zod, valibot and arktype schemas all satisfy it.

/** A Standard Schema v1 validator (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2, …). */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1
    readonly vendor: string
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>
    readonly types?: { readonly input: Input; readonly output: Output } | undefined
  }
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] }

/** A Standard Schema v1 issue: a message and the keys leading to the offending value. */
export interface StandardIssue {
  readonly message: string
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined
}

/**
 * The issues as cachet reports them (`error.issues` of `ERR_SESSION_DATA`): each issue's message
 * and path, nothing else; vendor extras such as zod's `input` (the data's value) are dropped.
 * Symbol keys become their description. At most 100 issues.
 */
export function issuesOf(
  issues: readonly StandardIssue[],
): { message: string; path: (string | number)[] }[] {
  return issues.slice(0, 100).map((issue) => ({
    message: typeof issue.message === 'string' ? issue.message : 'invalid',
    path: (Array.isArray(issue.path) ? issue.path : []).map((segment: unknown) => {
      const key =
        typeof segment === 'object' && segment !== null
          ? (segment as { key: unknown }).key
          : segment
      return typeof key === 'number' || typeof key === 'string' ? key : String(key)
    }),
  }))
}
