import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { Account, type Role } from '../contract/accounts.ts';
import { sql } from './sql.ts';

export const customer = Account;
export type Customer = Account;

/**
 * Creates an account, or answers null when the email is taken (case-insensitively). The
 * conflict is an outcome, not an error: no unique violation is raised, so slonik keeps the
 * pooled connection.
 */
export async function createCustomer(
  db: CommonQueryMethods,
  input: { email: string; name: string; passwordHash: string; role?: Role },
): Promise<Customer | null> {
  return db.maybeOne(sql.type(customer)`
    INSERT INTO customers (id, email, name, password_hash, role)
    VALUES (${randomUUID()}, ${input.email}, ${input.name}, ${input.passwordHash}, ${input.role ?? 'customer'})
    ON CONFLICT DO NOTHING
    RETURNING id, email, name, role, tenant_id AS "tenantId"
  `);
}

export async function findCustomerByEmail(db: CommonQueryMethods, email: string) {
  return db.maybeOne(sql.type(customer.extend({ passwordHash: z.string() }))`
    SELECT id, email, name, role, tenant_id AS "tenantId", password_hash AS "passwordHash" FROM customers WHERE lower(email) = lower(${email})
  `);
}

export async function findCustomer(db: CommonQueryMethods, id: string) {
  return db.maybeOne(sql.type(customer)`SELECT id, email, name, role, tenant_id AS "tenantId" FROM customers WHERE id = ${id}`);
}

/**
 * Gives an account a role (replacing the one it had), recorded with who granted it. Null when
 * there is no such account. The account's access tokens carry the old role until they expire
 * (ACCESS_TOKEN_TTL_SECONDS); a refresh reads the new one.
 */
export async function setRole(db: CommonQueryMethods, input: { customerId: string; role: Role; tenantId?: string; grantedBy: string }): Promise<Customer | null> {
  // an organizer's tenant is checked by the route first (a missing one is a 404, not an error here)
  return db.maybeOne(sql.type(customer)`
    UPDATE customers SET role = ${input.role}, tenant_id = ${input.role === 'organizer' ? input.tenantId ?? null : null},
           role_granted_by = ${input.grantedBy}, role_granted_at = now()
    WHERE id = ${input.customerId}
    RETURNING id, email, name, role, tenant_id AS "tenantId"
  `);
}

/** Takes `role` away (the account is a customer again), only if the account has it now; null otherwise. */
export async function revokeRole(db: CommonQueryMethods, input: { customerId: string; role: Role; revokedBy: string }): Promise<Customer | null> {
  return db.maybeOne(sql.type(customer)`
    UPDATE customers SET role = 'customer', tenant_id = NULL, role_granted_by = ${input.revokedBy}, role_granted_at = now()
    WHERE id = ${input.customerId} AND role = ${input.role}
    RETURNING id, email, name, role, tenant_id AS "tenantId"
  `);
}
