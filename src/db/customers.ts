import { randomUUID } from 'node:crypto';
import type { CommonQueryMethods } from 'slonik';
import { z } from 'zod';
import { sql } from './sql.ts';

export const customer = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['customer', 'support']),
});
export type Customer = z.infer<typeof customer>;

/**
 * Creates an account, or answers null when the email is taken (case-insensitively). The
 * conflict is an outcome, not an error: no unique violation is raised, so slonik keeps the
 * pooled connection.
 */
export async function createCustomer(
  db: CommonQueryMethods,
  input: { email: string; name: string; passwordHash: string; role?: 'customer' | 'support' },
): Promise<Customer | null> {
  return db.maybeOne(sql.type(customer)`
    INSERT INTO customers (id, email, name, password_hash, role)
    VALUES (${randomUUID()}, ${input.email}, ${input.name}, ${input.passwordHash}, ${input.role ?? 'customer'})
    ON CONFLICT DO NOTHING
    RETURNING id, email, name, role
  `);
}

export async function findCustomerByEmail(db: CommonQueryMethods, email: string) {
  return db.maybeOne(sql.type(customer.extend({ passwordHash: z.string() }))`
    SELECT id, email, name, role, password_hash AS "passwordHash" FROM customers WHERE lower(email) = lower(${email})
  `);
}

export async function findCustomer(db: CommonQueryMethods, id: string) {
  return db.maybeOne(sql.type(customer)`SELECT id, email, name, role FROM customers WHERE id = ${id}`);
}
