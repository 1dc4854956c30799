'use strict'
/**
 * In-process IPFS stand-in for the js-ceramic daemon (test use only).
 *
 * `@ceramicnetwork/cli` 6.11 wants a kubo (go-ipfs) binary, which it downloads at install time and spawns,
 * or a ceramic-one node. Neither is available offline. This module is the block layer that replaces them:
 * `inject-memory-ipfs.cjs` hands it to the daemon in place of the kubo connection.
 *
 * It implements exactly the subset of the ipfs-core / ipfs-http-client API that @ceramicnetwork/core 6.11 and
 * @ceramicnetwork/cli 6.11 call on the IPFS_FLAVOR=go path:
 *   id, version, isOnline, config.get, codecs.{listCodecs,getCodec}, dag.{put,get,resolve,import},
 *   block.{get,put,stat}, pin.{add,rm,ls}, pubsub.{subscribe,unsubscribe,publish,ls,peers},
 *   swarm.{peers,connect}, stop.
 * Blocks live in a Map (CIDv1 string -> bytes) for the life of the daemon process; blocks are hashed with
 * sha2-256 and encoded with the real IPLD codecs (dag-cbor, dag-json, dag-jose, raw, json), so CIDs and stream ids
 * are the ones a kubo-backed node computes. With `blocksDir` (inject-memory-ipfs.cjs passes
 * MEDREC_CERAMIC_BLOCKS_DIR), blocks and pins are also written to files there (block-files.cjs) before a put
 * returns, pins are read back at start and a block missing from the Map is read from its file (its sha2-256
 * checked against the CID), so a daemon restarted on the same directories keeps its streams.
 * What it does NOT do: networking, libp2p, peers, bitswap.
 * Pubsub has no peers (own messages are not echoed, as with gossipsub's emitSelf=false); a missing block fails
 * at once instead of waiting on the network.
 *
 * CommonJS on purpose (`.cjs`, dependencies loaded with a native `import()`): Hardhat's test runner loads every
 * .js/.cjs/.mjs/.ts file under test/ as a test file, and one `.mjs` file there switches the whole suite to
 * Mocha's ESM loader. Loading this file has no side effects.
 */

async function loadDeps () {
  const [{ CID }, { sha256 }, raw, json, dagCbor, dagJson, dagJose, { CARFactory }] = await Promise.all([
    import('multiformats/cid'),
    import('multiformats/hashes/sha2'),
    import('multiformats/codecs/raw'),
    import('multiformats/codecs/json'),
    import('@ipld/dag-cbor'),
    import('@ipld/dag-json'),
    import('dag-jose'),
    import('cartonne')
  ])
  return { CID, sha256, raw, json, dagCbor, dagJson, dagJose, CARFactory }
}

/**
 * An in-process IPFS node: empty, or with the blocks and pins stored in `blocksDir`.
 * @param {{ agentVersion?: string, blocksDir?: string }} [options]
 */
async function createMemoryIpfs ({ agentVersion = 'medrec-memory-ipfs/1.0.0 (in-process stand-in for kubo)', blocksDir } = {}) {
  const { CID, sha256, raw, json, dagCbor, dagJson, dagJose, CARFactory } = await loadDeps()
  const { randomBytes, createHash } = require('node:crypto')
  const files = blocksDir ? require('./block-files.cjs').openBlockFiles(blocksDir) : undefined
  const { base58btc } = await import('multiformats/bases/base58')
  const CODECS = [dagCbor, dagJson, dagJose, raw, json]

  const blocks = new Map() // CIDv1 string -> Uint8Array
  const pins = new Set(files ? files.readPins() : [])
  const subs = new Map() // topic -> Set<handler>
  const peerIdStr = 'z' + base58btc.baseEncode(randomBytes(32)).slice(0, 44) // opaque; nobody dials it
  const peerId = { toString: () => peerIdStr, equals: (other) => String(other) === peerIdStr }

  const codecByCode = (code) => {
    const codec = CODECS.find((c) => c.code === code)
    if (!codec) throw new Error(`memory-ipfs: no codec for code 0x${code.toString(16)}`)
    return codec
  }
  const codecByName = (name) => {
    const codec = CODECS.find((c) => c.name === name)
    if (!codec) throw new Error(`memory-ipfs: no codec named ${name}`)
    return codec
  }
  const toCid = (c) => (typeof c === 'string' ? CID.parse(c) : CID.asCID(c) ?? CID.parse(c.toString()))
  const key = (cid) => toCid(cid).toV1().toString()
  const notFound = (cid) =>
    Object.assign(new Error(`memory-ipfs: block ${cid} not found (offline in-process store)`), { code: 'ERR_NOT_FOUND' })

  /** Keeps a block in the Map and, with a blocks dir, on disk before resolving. */
  async function storeBlock (cidString, bytes) {
    blocks.set(cidString, bytes)
    if (files) await files.writeBlock(cidString, bytes)
  }
  async function putBlock (bytes, code) {
    const cid = CID.createV1(code, await sha256.digest(bytes))
    await storeBlock(cid.toString(), bytes)
    return cid
  }
  /** A block from its file, if its sha2-256 matches the CID (other hashes are not written by this node). */
  function readBlockFile (cid) {
    const bytes = files.readBlock(cid.toString())
    if (!bytes) return undefined
    const expected = cid.multihash.code === sha256.code ? cid.multihash.digest : undefined
    if (expected && !createHash('sha256').update(bytes).digest().equals(Buffer.from(expected))) {
      throw new Error(`memory-ipfs: block file of ${cid} does not match its CID (corrupt ${blocksDir})`)
    }
    blocks.set(cid.toString(), bytes)
    return bytes
  }
  function getBlock (cid) {
    const v1 = toCid(cid).toV1()
    const bytes = blocks.get(v1.toString()) ?? (files ? readBlockFile(v1) : undefined)
    if (!bytes) throw notFound(cid)
    return bytes
  }
  /** Walks an IPLD path across blocks (e.g. `<jws-cid>/link`). */
  function resolve (cid, path = '') {
    let cur = toCid(cid)
    let value = codecByCode(cur.code).decode(getBlock(cur))
    for (const part of String(path).split('/').filter(Boolean)) {
      if (value == null || typeof value !== 'object' || !(part in value)) {
        throw new Error(`memory-ipfs: no link named "${part}" under ${cur}`)
      }
      value = value[part]
      const link = CID.asCID(value)
      if (link) {
        cur = link
        value = codecByCode(cur.code).decode(getBlock(cur))
      }
    }
    return { cid: cur, value }
  }

  return {
    async id () {
      return { id: peerId, addresses: [], agentVersion, protocolVersion: 'memory/1', protocols: [] }
    },
    async version () { return { version: '0.18.1-memory', commit: '', repo: '0' } },
    async isOnline () { return true },
    config: {
      // Only read on the ceramic-one (Recon) path, which this stand-in does not serve.
      async get (configKey) { return configKey === 'Addresses.API' ? 'http://127.0.0.1:0' : '' }
    },
    codecs: {
      listCodecs () { return CODECS },
      async getCodec (code) { return typeof code === 'string' ? codecByName(code) : codecByCode(code) }
    },
    block: {
      async get (cid) { return getBlock(cid) },
      async put (bytes, opts = {}) {
        return putBlock(bytes, opts.format ? codecByName(opts.format).code : (opts.mhcodec ?? raw.code))
      },
      async stat (cid) { return { cid: toCid(cid), size: getBlock(cid).length } }
    },
    dag: {
      async put (node, opts = {}) {
        const codec = codecByName(opts.storeCodec ?? opts.format ?? 'dag-cbor')
        return putBlock(codec.encode(node), codec.code)
      },
      async get (cid, opts = {}) {
        return { value: resolve(cid, opts.path).value, remainderPath: '' }
      },
      async resolve (cidOrPath, opts = {}) {
        let cid = cidOrPath
        let path = opts.path ?? ''
        if (typeof cidOrPath === 'string' && cidOrPath.includes('/')) {
          const [head, ...rest] = cidOrPath.replace(/^\/ipfs\//, '').split('/')
          cid = head
          path = rest.join('/') + (path ? '/' + path : '')
        }
        return { cid: resolve(cid, path).cid, remainderPath: '' }
      },
      // Ceramic passes a cartonne CAR object; raw CAR bytes and iterables of bytes are accepted too.
      async * import (source) {
        let car = source
        if (!(car && car.blocks && typeof car.roots !== 'undefined')) {
          const chunks = []
          if (source instanceof Uint8Array) chunks.push(source)
          else for await (const chunk of source) chunks.push(chunk)
          const factory = new CARFactory()
          for (const codec of CODECS) factory.codecs.add(codec)
          car = factory.fromBytes(Buffer.concat(chunks.map((c) => Buffer.from(c))))
        }
        for (const block of car.blocks) await storeBlock(key(block.cid), block.payload)
        for (const root of car.roots) yield { root: { cid: root, pinErrorMsg: '' } }
      }
    },
    pin: {
      async add (cid) {
        pins.add(key(cid))
        if (files) await files.addPin(key(cid))
        return toCid(cid)
      },
      async rm (cid) {
        pins.delete(key(cid))
        if (files) await files.removePin(key(cid))
        return toCid(cid)
      },
      async * ls () { for (const pin of pins) yield { cid: CID.parse(pin), type: 'recursive' } }
    },
    pubsub: {
      async subscribe (topic, handler) {
        if (!subs.has(topic)) subs.set(topic, new Set())
        subs.get(topic).add(handler)
      },
      async unsubscribe (topic, handler) {
        if (!handler) subs.delete(topic)
        else subs.get(topic)?.delete(handler)
      },
      async publish () { /* a single in-process node has no peers */ },
      async ls () { return [...subs.keys()] },
      async peers () { return [] }
    },
    swarm: {
      async peers () { return [] },
      async connect () { /* no network */ }
    },
    async stop () { subs.clear() }
  }
}

module.exports = { createMemoryIpfs }
