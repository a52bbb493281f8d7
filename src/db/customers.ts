import { randomUUID } from 'node:crypto';
import { type CommonQueryMethods, UniqueIntegrityConstraintViolationError } from 'slonik';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { sql } from './sql.ts';

const customer = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.enum(['customer', 'support']),
});
export type Customer = z.infer<typeof customer>;

export async function createCustomer(
  db: CommonQueryMethods,
  input: { email: string; name: string; passwordHash: string; role?: 'customer' | 'support' },
): Promise<Customer> {
  try {
    return await db.one(sql.type(customer)`
      INSERT INTO customers (id, email, name, password_hash, role)
      VALUES (${randomUUID()}, ${input.email}, ${input.name}, ${input.passwordHash}, ${input.role ?? 'customer'})
      RETURNING id, email, name, role
    `);
  } catch (error) {
    if (error instanceof UniqueIntegrityConstraintViolationError) {
      throw new AppError(409, 'EMAIL_TAKEN', `an account with the email ${input.email} already exists`, { field: 'email' });
    }
    throw error;
  }
}

export async function findCustomerByEmail(db: CommonQueryMethods, email: string) {
  return db.maybeOne(sql.type(customer.extend({ passwordHash: z.string() }))`
    SELECT id, email, name, role, password_hash AS "passwordHash" FROM customers WHERE lower(email) = lower(${email})
  `);
}

export async function findCustomer(db: CommonQueryMethods, id: string) {
  return db.maybeOne(sql.type(customer)`SELECT id, email, name, role FROM customers WHERE id = ${id}`);
}
