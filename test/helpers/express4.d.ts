// Express 4, installed beside Express 5 under the alias `express4`; its API for what the tests use
// is the one @types/express (v5) describes.
declare module 'express4' {
  import express from 'express'
  export default express
}
