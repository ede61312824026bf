import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { COMPOSE_AUDIENCE, useComposeStack } from '../src/compose-stack.ts'
import { CHROMIUM_PATH, chromiumPrerequisite, describeWith, dockerPrerequisite } from '../src/prerequisites.ts'

// The first hour of a new user, in a real browser against `docker compose up`: open /docs, "Authorize" with a
// development client (Swagger UI asks the issuer for the token itself, cross-origin), "Execute" a protected route.
// Needs a Docker engine (E2E_REQUIRE_DOCKER=1 fails without) and Debian's chromium (E2E_REQUIRE_BROWSER=1 fails
// without), driven by playwright-core: no browser is downloaded.

/** Chromium with nothing of its own on the network: no updates, sync, QUIC or first-run fetches. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

interface Execution {
  /** The token request Swagger UI sent to the issuer (answered 200): its URL and form body. */
  readonly tokenRequest: { readonly url: string; readonly form: URLSearchParams }
  /** The Authorization header of the API call. */
  readonly authorization: string | undefined
  /** The status and body Swagger UI shows for the call. */
  readonly status: string
  readonly body: string
}

function browserSuite() {
  const stack = useComposeStack('browser')
  let profile: string
  let context: BrowserContext

  beforeAll(async () => {
    // A fresh profile (`--user-data-dir`) per run: nothing remembered from an earlier one.
    profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
    })
    context.setDefaultTimeout(20_000)
  }, 60_000)

  afterAll(async () => {
    await context?.close()
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
  }, 30_000)

  /** /docs → Authorize (client_credentials: id, secret, scopes) → GET /api/private-scoped → Try it out → Execute. */
  async function authorizeAndExecute(page: Page, client: string, secret: string, scope: string): Promise<Execution> {
    await page.goto(`${stack.apiUrl}/docs`)
    await page.locator('.auth-wrapper button.authorize').click()
    const dialog = page.locator('.modal-ux')
    await dialog.locator('#client_id_clientCredentials').fill(client)
    await dialog.locator('#client_secret_clientCredentials').fill(secret)
    // The checkbox itself is hidden behind its styled label.
    await dialog.locator(`label[for="${scope}-clientCredentials-checkbox-oauth2"]`).click()
    const [tokenRequest] = await Promise.all([
      page.waitForRequest((request) => request.url().startsWith(`${stack.issuerUrl}/oauth/token`)),
      dialog.locator('button[aria-label="Apply given OAuth2 credentials"]').click(),
    ])
    // Said at once (a CORS refusal, an error answer), rather than as a timeout waiting for the dialog.
    const tokenResponse = await tokenRequest.response()
    if (tokenResponse?.status() !== 200) {
      const answer = tokenResponse === null ? tokenRequest.failure()?.errorText : await tokenResponse.text()
      throw new Error(`the token request failed (${tokenResponse?.status() ?? 'no answer'}): ${answer}`)
    }
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor()
    await dialog.locator('button.btn-done').first().click()

    const operation = page.locator('#operations-messages-getApiPrivate-scoped')
    await operation.locator('.opblock-summary').click()
    await operation.locator('button.try-out__btn').click()
    const [apiRequest] = await Promise.all([
      page.waitForRequest((request) => request.url() === `${stack.apiUrl}/api/private-scoped`),
      operation.locator('button.execute').click(),
    ])
    const live = operation.locator('.live-responses-table tbody')
    return {
      tokenRequest: { url: tokenRequest.url(), form: new URLSearchParams(tokenRequest.postData() ?? '') },
      authorization: (await apiRequest.allHeaders()).authorization,
      status: ((await live.locator('.response-col_status').first().textContent()) ?? '').trim(),
      body: (await live.locator('.response-col_description pre').first().textContent()) ?? '',
    }
  }

  test('local-client with read:messages: the token comes from the issuer, /api/private-scoped answers 200 with the claims', async () => {
    const page = await context.newPage()
    try {
      const run = await authorizeAndExecute(page, 'local-client', 'local-secret', 'read:messages')
      // Cross-origin to the issuer's published port, with the audience the request interceptor added.
      expect(run.tokenRequest.url).toBe(`${stack.issuerUrl}/oauth/token`)
      expect(Object.fromEntries(run.tokenRequest.form)).toEqual({
        grant_type: 'client_credentials',
        scope: 'read:messages',
        audience: COMPOSE_AUDIENCE,
      })
      expect(run.authorization).toStartWith('Bearer ey')
      expect(run.status).toBe('200')
      expect(JSON.parse(run.body)).toMatchObject({
        iss: 'http://issuer:9000',
        aud: COMPOSE_AUDIENCE,
        client_id: 'local-client',
        scope: 'read:messages',
      })
    } finally {
      await page.close()
    }
  }, 60_000)

  test('limited-client (write:messages only): the same call is refused, 403', async () => {
    const page = await context.newPage()
    try {
      const run = await authorizeAndExecute(page, 'limited-client', 'limited-secret', 'write:messages')
      expect(run.status).toBe('403')
      expect(JSON.parse(run.body)).toMatchObject({ error: 'insufficient_scope' })
    } finally {
      await page.close()
    }
  }, 60_000)
}

describeWith(
  'Swagger UI in Chromium against docker compose',
  [await dockerPrerequisite(), chromiumPrerequisite()],
  browserSuite,
)
