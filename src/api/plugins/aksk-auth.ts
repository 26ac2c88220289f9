// AK/SK authentication (SDK-HMAC-SHA256): claims requests with an Authorization header, verifies them over the raw URL and body.
import type { AuthService } from '../../services/auth-service.ts';
import type { BodyAuthenticator } from './auth.ts';

export function akskAuthenticator(auth: AuthService): BodyAuthenticator {
  return {
    claims: (request) => request.headers.authorization !== undefined,
    async authenticate(request) {
      const result = await auth.verifySignature({
        method: request.method,
        // The URL as sent (not re-serialised), the headers as received, the body bytes as received.
        rawUrl: request.raw.url ?? request.url,
        headers: request.headers,
        body: request.rawBody ?? undefined,
      });
      if (result.ok) return result.principal;
      // Which AK and why go to the log (operators need them); the caller gets only the public message.
      request.log.info(result.log, 'AK/SK signature refused');
      throw result.error;
    },
  };
}
