// XAES-256-GCM (C2SP "XAES-256-GCM"): AES-256-GCM under a per-message key derived from the
// 256-bit key and the first 96 bits of a 192-bit nonce with NIST SP 800-108r1 counter-mode KDF
// over CMAC-AES-256. Two backends with byte-identical output: @noble/ciphers (runs everywhere)
// and node:crypto (AES-NI), found at run time so that no bundler ever sees a Node import.

import { ctr, gcm } from '@noble/ciphers/aes.js'

export const XAES_KEY_BYTES = 32
export const XAES_NONCE_BYTES = 24
export const XAES_TAG_BYTES = 16

export type BackendName = 'native' | 'portable'

/** A 256-bit XAES key prepared for one backend (cached per-key values from the spec, steps 1–2). */
export interface XaesKey {
  readonly backend: BackendName
  /** Returns ciphertext ‖ 128-bit tag. */
  encrypt(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array
  /** Returns nonce ‖ ciphertext ‖ 128-bit tag in one buffer (a seal's body, with no extra copy). */
  encryptWithNonce(nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array
  /** Returns the plaintext, or undefined when authentication fails. */
  decrypt(nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | undefined
}

export interface XaesBackend {
  readonly name: BackendName
  importKey(key: Uint8Array): XaesKey
}

function checkKey(key: Uint8Array): void {
  if (key.length !== XAES_KEY_BYTES) throw new RangeError('XAES-256-GCM key must be 32 bytes')
}

function checkNonce(nonce: Uint8Array): void {
  if (nonce.length !== XAES_NONCE_BYTES) throw new RangeError('XAES-256-GCM nonce must be 24 bytes')
}

// C2SP XAES-256-GCM, derivation steps 2 and 5: K1 = L << 1 (with 0x87 reduction if the top bit
// of L was set, the CMAC subkey rule of NIST SP 800-38B §6.1); the two KDF input blocks are
// M_i xor K1 with M_i = 0x00 ‖ i ‖ "X" ‖ 0x00 ‖ N[0..12).
function cmacSubkey(l: Uint8Array): Uint8Array {
  const k1 = new Uint8Array(16)
  for (let i = 0; i < 15; i++) k1[i] = ((l[i]! << 1) | (l[i + 1]! >>> 7)) & 0xff
  k1[15] = (l[15]! << 1) & 0xff
  if (l[0]! & 0x80) k1[15] ^= 0x87
  return k1
}

function kdfBlocks(k1: Uint8Array, nonce: Uint8Array): Uint8Array {
  const m = new Uint8Array(32)
  m[1] = 0x01
  m[2] = 0x58
  m[17] = 0x02
  m[18] = 0x58
  m.set(nonce.subarray(0, 12), 4)
  m.set(nonce.subarray(0, 12), 20)
  for (let i = 0; i < 16; i++) {
    m[i] = m[i]! ^ k1[i]!
    m[16 + i] = m[16 + i]! ^ k1[i]!
  }
  return m
}

// --- Portable backend (@noble/ciphers) ---

export const portableBackend: XaesBackend = {
  name: 'portable',
  importKey(key) {
    checkKey(key)
    const raw = key.slice()
    // AES-256 of one block B is the first CTR keystream block with B as the counter (NIST SP
    // 800-38A §6.5), so CTR over 16 zero bytes encrypts a block without pulling in noble's ECB
    // (and its decryption tables). noble's cipher objects are single-use: one per block.
    const zero = new Uint8Array(16)
    const aesBlock = (block: Uint8Array) => ctr(raw, block).encrypt(zero)
    const aesEcb = (blocks: Uint8Array) => {
      const out = new Uint8Array(blocks.length)
      for (let i = 0; i < blocks.length; i += 16) out.set(aesBlock(blocks.subarray(i, i + 16)), i)
      return out
    }
    const k1 = cmacSubkey(aesEcb(new Uint8Array(16)))
    const derive = (nonce: Uint8Array) => aesEcb(kdfBlocks(k1, nonce))
    return {
      backend: 'portable',
      encrypt(nonce, plaintext, aad) {
        checkNonce(nonce)
        return gcm(derive(nonce), nonce.subarray(12), aad).encrypt(plaintext)
      },
      encryptWithNonce(nonce, plaintext, aad) {
        checkNonce(nonce)
        const sealed = gcm(derive(nonce), nonce.subarray(12), aad).encrypt(plaintext)
        const out = new Uint8Array(XAES_NONCE_BYTES + sealed.length)
        out.set(nonce, 0)
        out.set(sealed, XAES_NONCE_BYTES)
        return out
      },
      decrypt(nonce, sealed, aad) {
        checkNonce(nonce)
        if (sealed.length < XAES_TAG_BYTES) return undefined
        try {
          return gcm(derive(nonce), nonce.subarray(12), aad).decrypt(sealed)
        } catch {
          return undefined
        }
      },
    }
  },
}

// --- Native backend (node:crypto, found at run time) ---

interface NodeCipher {
  update(data: Uint8Array): Uint8Array
  final(): Uint8Array
  setAAD(aad: Uint8Array): unknown
  getAuthTag(): Uint8Array
  setAuthTag(tag: Uint8Array): unknown
  setAutoPadding(on: boolean): unknown
}
interface NodeCrypto {
  createCipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array | null,
    options?: object,
  ): NodeCipher
  createDecipheriv(
    algorithm: string,
    key: Uint8Array,
    iv: Uint8Array | null,
    options?: object,
  ): NodeCipher
}

function findNodeCrypto(): NodeCrypto | undefined {
  try {
    const g = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    const mod = g.process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined
    return typeof mod?.createCipheriv === 'function' ? mod : undefined
  } catch {
    return undefined
  }
}

function createNativeBackend(nodeCrypto: NodeCrypto): XaesBackend {
  const GCM = { authTagLength: XAES_TAG_BYTES }
  return {
    name: 'native',
    importKey(key) {
      checkKey(key)
      // ECB is stateless per block, so one cipher object with padding off serves every message.
      const block = nodeCrypto.createCipheriv('aes-256-ecb', key, null)
      block.setAutoPadding(false)
      const k1 = cmacSubkey(block.update(new Uint8Array(16)))
      const derive = (nonce: Uint8Array) => block.update(kdfBlocks(k1, nonce))
      // nonce ‖ ciphertext ‖ tag, written once into one buffer.
      const encryptWithNonce = (nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) => {
        checkNonce(nonce)
        const cipher = nodeCrypto.createCipheriv(
          'aes-256-gcm',
          derive(nonce),
          nonce.subarray(12),
          GCM,
        )
        cipher.setAAD(aad)
        const head = cipher.update(plaintext)
        const tail = cipher.final()
        const out = new Uint8Array(XAES_NONCE_BYTES + head.length + tail.length + XAES_TAG_BYTES)
        out.set(nonce, 0)
        out.set(head, XAES_NONCE_BYTES)
        out.set(tail, XAES_NONCE_BYTES + head.length)
        out.set(cipher.getAuthTag(), XAES_NONCE_BYTES + head.length + tail.length)
        return out
      }
      return {
        backend: 'native',
        encrypt: (nonce, plaintext, aad) =>
          encryptWithNonce(nonce, plaintext, aad).subarray(XAES_NONCE_BYTES),
        encryptWithNonce,
        decrypt(nonce, sealed, aad) {
          checkNonce(nonce)
          if (sealed.length < XAES_TAG_BYTES) return undefined
          const split = sealed.length - XAES_TAG_BYTES
          try {
            const d = nodeCrypto.createDecipheriv(
              'aes-256-gcm',
              derive(nonce),
              nonce.subarray(12),
              GCM,
            )
            d.setAAD(aad)
            d.setAuthTag(sealed.subarray(split))
            const head = d.update(sealed.subarray(0, split))
            const tail = d.final()
            if (tail.length === 0) return new Uint8Array(head.buffer, head.byteOffset, head.length)
            const out = new Uint8Array(head.length + tail.length)
            out.set(head, 0)
            out.set(tail, head.length)
            return out
          } catch {
            return undefined
          }
        },
      }
    },
  }
}

const nodeCrypto = findNodeCrypto()

/** The native backend where node:crypto can be found at run time, else undefined. */
export const nativeBackend: XaesBackend | undefined = nodeCrypto
  ? createNativeBackend(nodeCrypto)
  : undefined

/** Picks a backend: `auto` prefers native and falls back to portable. */
export function selectBackend(choice: 'auto' | BackendName = 'auto'): XaesBackend {
  if (choice === 'portable') return portableBackend
  if (choice === 'native') {
    if (!nativeBackend) throw new RangeError('native backend unavailable')
    return nativeBackend
  }
  return nativeBackend ?? portableBackend
}
