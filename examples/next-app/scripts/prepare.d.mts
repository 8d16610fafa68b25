/** The example's directory. */
export declare const appDir: string
/** The repository root. */
export declare const rootDir: string
/** The Next.js CLI of the repository's node_modules. */
export declare const nextBin: string
/** Links examples/next-app/node_modules/cachet to the repository root (package.json + dist/). */
export declare function linkCachet(): void
