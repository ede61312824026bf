export type { IssuerStub, IssuerStubMode } from './issuer-stub.ts'
export { startIssuerStub } from './issuer-stub.ts'
export type { SignOptions, TestKey } from './keys.ts'
export { craftToken, generateTestKey, hmacSha256, signToken } from './keys.ts'
