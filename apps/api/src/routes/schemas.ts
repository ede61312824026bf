import { t } from 'elysia'

/** Every error body: RFC 6750's `error` and `error_description`. */
export const ErrorBody = t.Object(
  { error: t.String(), error_description: t.String() },
  { description: 'An error; `WWW-Authenticate` carries the RFC 6750 challenge on 400, 401 and 403' },
)
