#!/usr/bin/env node
// Starts a local ATProto reference PDS (@atproto/pds) plus an in-memory PLC directory
// (@did-plc/server), both bound to 127.0.0.1, creates test accounts, and prints ONE JSON line to
// stdout when ready:
//   {"ready":true,"url":"http://127.0.0.1:PORT","plcUrl":"...","adminPassword":"...",
//    "rateLimits":false,"accounts":[{"handle":"alice.test","did":"did:plc:...","password":"..."}]}
// Nothing else is ever written to stdout; diagnostics go to stderr.
//
// Runs until stdin closes (the parent keeps it open as a pipe), SIGTERM/SIGINT/SIGHUP, or the
// parent process dies; then shuts everything down and deletes its temporary data directory.
//
// Options (argument wins over environment variable):
//   --accounts N          PDS_ACCOUNTS                number of test accounts (default 3)
//   --admin-password X    PDS_ADMIN_PASSWORD          admin password (default "admin-pass")
//   --rate-limits         PDS_RATE_LIMITS_ENABLED=true  enable the PDS rate limiter (default off)
//   --port N              PDS_PORT                    fixed PDS port (default: a free port)
//   --ignore-stdin        PDS_IGNORE_STDIN=true       do not exit on stdin EOF (manual use)
//   PDS_JWT_SECRET=...    HS256 secret for session tokens (default: random; set it to mint e.g.
//                         expired tokens in tests)
//   PDS_LOG=true          PDS/PLC request logs to stderr (LOG_LEVEL etc. are honoured)
//   PDS_REPO_BACKFILL_LIMIT_MS=N   subscribeRepos backfill window (default one day): older cursors get
//                         #info OutdatedCursor
//   PDS_MAX_SUBSCRIPTION_BUFFER=N  events buffered per subscriber before ConsumerTooSlow (default 500)
'use strict'

// --- logging must be configured before any @atproto module is loaded: pino writes to stdout by
// default, and stdout is reserved for the single ready line.
if (process.env.PDS_LOG === 'true') {
  process.env.LOG_ENABLED = 'true'
}
if (!process.env.LOG_DESTINATION) {
  process.env.LOG_DESTINATION = '/dev/stderr'
}
if (process.env.PDS_LOG !== 'true' && !process.env.LOG_ENABLED) {
  process.env.LOG_ENABLED = 'false'
}

const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')

const HOST = '127.0.0.1'
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy']

// When the parent dies, writes to our stdout/stderr pipes fail with EPIPE; that must not turn into
// an uncaught-exception loop (which would delay the shutdown).
let stderrBroken = false
process.stderr.on('error', () => { stderrBroken = true })
process.stdout.on('error', () => {})

function log(...args) {
  if (stderrBroken) return
  try {
    process.stderr.write(`[reference-pds] ${args.join(' ')}\n`)
  } catch {
    stderrBroken = true
  }
}

function parseArgs(argv) {
  const opts = {
    accounts: process.env.PDS_ACCOUNTS,
    adminPassword: process.env.PDS_ADMIN_PASSWORD,
    rateLimits: process.env.PDS_RATE_LIMITS_ENABLED === 'true',
    port: process.env.PDS_PORT,
    ignoreStdin: process.env.PDS_IGNORE_STDIN === 'true',
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`)
      return argv[++i]
    }
    if (a === '--accounts') opts.accounts = next()
    else if (a === '--admin-password') opts.adminPassword = next()
    else if (a === '--rate-limits') opts.rateLimits = true
    else if (a === '--no-rate-limits') opts.rateLimits = false
    else if (a === '--port') opts.port = next()
    else if (a === '--ignore-stdin') opts.ignoreStdin = true
    else throw new Error(`unknown argument: ${a}`)
  }
  const accounts = opts.accounts === undefined || opts.accounts === '' ? 3 : Number(opts.accounts)
  if (!Number.isInteger(accounts) || accounts < 0 || accounts > 1000) {
    throw new Error(`invalid account count: ${opts.accounts}`)
  }
  const port = opts.port === undefined || opts.port === '' ? 0 : Number(opts.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port: ${opts.port}`)
  }
  return {
    accounts,
    adminPassword: opts.adminPassword || 'admin-pass',
    rateLimits: opts.rateLimits,
    port,
    ignoreStdin: opts.ignoreStdin,
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, HOST, () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

// express' app.listen(port) binds every interface; force the loopback address.
function bindToLoopback(app) {
  const listen = app.listen.bind(app)
  app.listen = (port, ...rest) => listen(port, HOST, ...rest)
}

async function xrpcPost(baseUrl, nsid, body) {
  const res = await fetch(`${baseUrl}/xrpc/${nsid}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${nsid} failed: HTTP ${res.status} ${text}`)
  return JSON.parse(text)
}

let plcServer
let pdsServer
let dataDir
let shuttingDown = false
let ready = false

async function shutdown(reason, code = 0) {
  if (shuttingDown) return
  shuttingDown = true
  log(`shutting down (${reason})`)
  const hardExit = setTimeout(() => {
    removeDataDir()
    process.exit(code || 1)
  }, 10_000)
  hardExit.unref()
  try {
    if (pdsServer) await pdsServer.destroy()
  } catch (err) {
    log('error stopping PDS:', err && err.stack ? err.stack : err)
  }
  try {
    if (plcServer) await plcServer.destroy()
  } catch (err) {
    log('error stopping PLC:', err && err.stack ? err.stack : err)
  }
  removeDataDir()
  process.exit(code)
}

function removeDataDir() {
  if (!dataDir) return
  try {
    fs.rmSync(dataDir, { recursive: true, force: true })
  } catch (err) {
    log('could not delete', dataDir, String(err))
  }
  dataDir = undefined
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))

  // Exit when the parent goes away: stdin EOF (the parent holds the pipe), or re-parenting.
  if (!opts.ignoreStdin) {
    process.stdin.on('end', () => shutdown('stdin closed'))
    process.stdin.on('close', () => shutdown('stdin closed'))
    process.stdin.on('error', () => shutdown('stdin error'))
    process.stdin.resume()
  }
  const parentPid = process.ppid
  setInterval(() => {
    if (process.ppid !== parentPid) shutdown('parent process exited')
  }, 1000).unref()
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    process.on(sig, () => shutdown(sig))
  }

  const started = Date.now()
  const { Secp256k1Keypair } = require('@atproto/crypto')
  const ui8 = require('uint8arrays')
  const plc = require('@did-plc/server')
  const pds = require('@atproto/pds')

  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mood-sync-pds-'))

  // In-memory PLC directory.
  plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: 0 })
  bindToLoopback(plcServer.app)
  const plcHttp = await plcServer.start()
  const plcUrl = `http://${HOST}:${plcHttp.address().port}`

  // The PDS derives its public URL (http://localhost:PORT) from the configured port, so the port
  // must be known up front.
  const port = opts.port || (await freePort())
  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  const env = {
    devMode: true,
    hostname: 'localhost',
    port,
    dataDirectory: dataDir,
    blobstoreDiskLocation: path.join(dataDir, 'blobs'),
    didPlcUrl: plcUrl,
    inviteRequired: false,
    serviceHandleDomains: ['.test'],
    adminPassword: opts.adminPassword,
    jwtSecret: process.env.PDS_JWT_SECRET || crypto.randomBytes(32).toString('hex'),
    plcRotationKeyK256PrivateKeyHex: ui8.toString(await rotationKey.export(), 'hex'),
    bskyAppViewUrl: 'https://appview.invalid',
    bskyAppViewDid: 'did:example:appview',
    bskyAppViewCdnUrlPattern: 'https://cdn.appview.invalid/%s/%s/%s',
    modServiceUrl: 'https://moderator.invalid',
    modServiceDid: 'did:example:moderator',
    rateLimitsEnabled: opts.rateLimits,
    disableSsrfProtection: true,
    serviceName: 'mood-sync reference PDS',
    crawlers: [],
  }
  for (const [name, key] of [['PDS_REPO_BACKFILL_LIMIT_MS', 'repoBackfillLimitMs'],
    ['PDS_MAX_SUBSCRIPTION_BUFFER', 'maxSubscriptionBuffer']]) {
    const v = process.env[name]
    if (v !== undefined && v !== '') {
      if (!/^[0-9]+$/.test(v)) throw new Error(`invalid ${name}: ${v}`)
      env[key] = Number(v)
      log(`${name}=${v}`)
    }
  }
  const cfg = pds.envToCfg(env)
  const secrets = pds.envToSecrets(env)
  pdsServer = await pds.PDS.create(cfg, secrets)
  bindToLoopback(pdsServer.app)
  await pdsServer.start()
  const url = `http://${HOST}:${port}`

  const accounts = []
  for (let i = 0; i < opts.accounts; i++) {
    const name = i < NAMES.length ? NAMES[i] : `user${i + 1}`
    const handle = `${name}.test`
    const password = `${name}-password`
    const res = await xrpcPost(url, 'com.atproto.server.createAccount', {
      handle,
      email: `${name}@example.com`,
      password,
    })
    accounts.push({ handle, did: res.did, password })
  }

  log(`ready in ${Date.now() - started} ms: PDS ${url}, PLC ${plcUrl}, data ${dataDir},` +
    ` rate limits ${opts.rateLimits ? 'on' : 'off'}, ${accounts.length} account(s)`)
  ready = true
  process.stdout.write(JSON.stringify({
    ready: true,
    url,
    plcUrl,
    adminPassword: opts.adminPassword,
    rateLimits: opts.rateLimits,
    accounts,
  }) + '\n')
}

process.on('uncaughtException', (err) => {
  log('uncaught exception:', err && err.stack ? err.stack : err)
  shutdown('uncaught exception', 1)
})
process.on('unhandledRejection', (err) => {
  // Background work inside the PDS (e.g. calls to the placeholder app view) may reject; log it
  // and keep serving once ready, but fail fast during start-up.
  log('unhandled rejection:', err && err.stack ? err.stack : err)
  if (!ready) shutdown('unhandled rejection during start-up', 1)
})

main().catch((err) => {
  log('failed to start:', err && err.stack ? err.stack : err)
  shutdown('startup failure', 1)
})
