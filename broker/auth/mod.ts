/**
 * Authentication and authorization shared by Weir's listeners: the auth
 * file (`--auth-file`), {@linkcode AuthStore}, API key hashing and the
 * insecure-bind warning. Knows nothing of HTTP.
 *
 * @module
 */
export {
  type AuthFile,
  type AuthFileGrant,
  type AuthFileInput,
  type AuthFilePrincipal,
  AuthFileSchema,
  parseAuthFile,
  type ParseAuthFileOptions,
  readAuthFile,
} from "./auth_file.ts";
export { AuthStore, type AuthStoreOptions, type ResourceKind } from "./auth_store.ts";
export {
  type AuthAttemptOptions,
  authClientKey,
  type AuthFailureEvent,
  AuthFailureLimiter,
  type AuthFailureLimiterOptions,
  type AuthFailureReason,
  type AuthListener,
} from "./auth_failure_limiter.ts";
export { globToRegExp } from "./glob.ts";
export { insecureBindWarning, isLoopbackHost } from "./insecure_bind.ts";
export { generateApiKey, hashApiKey } from "./key_hash.ts";
export {
  AUTH_OPERATIONS,
  type AuthGrant,
  type AuthOperation,
  type Principal,
} from "./principal.ts";
export { type EdgeSecuritySettings, loadSecurity, type SecuritySettings } from "./load_security.ts";
