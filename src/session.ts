// Transitional: `src/jwt.ts` (being moved to `src/jwt/` on another branch) still imports from
// here. Removed once that move is merged and its imports point at `./session/index.js`.
export * from './session/index.js'
