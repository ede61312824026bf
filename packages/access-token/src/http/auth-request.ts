/** The parts of an HTTP request authentication reads: a Fetch API `Request` is one. */
export interface AuthRequest {
  readonly method: string
  /** Absolute (a Fetch API `Request.url`), or a path with its query. */
  readonly url: string
  readonly headers: { get(name: string): string | null }
}
