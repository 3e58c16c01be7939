import { hash, randomBytes } from 'node:crypto';

/**
 * Private-link and API tokens: 256 random bits, base64url. Only `hashToken(token)` is ever stored
 * (access_link, complaint, staff_invitation, staff_user), and every lookup hashes the same way.
 */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}
