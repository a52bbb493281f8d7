import { z } from 'zod';

/**
 * Accounts and roles as they cross a boundary: the access token's claims (src/auth/tokens.ts),
 * PostgreSQL rows (src/db/customers.ts), the API (src/api/routes/auth.ts, admin.ts) and the web
 * client (web/src, types only). Defined once here.
 *
 * One role per account (`customers.role`), not a set: every account can buy tickets for itself,
 * and the role adds what it may do besides.
 * - `customer`: its own holds, bookings and tickets.
 * - `organizer`: also manages the events of its tenant (an organizer always belongs to one).
 * - `support`: also sees, extends and cancels anyone's holds, and checks tickets in at the door.
 * - `admin`: does support's work too, and grants and revokes roles.
 */
export const ROLES = ['customer', 'organizer', 'support', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** The roles that do support's work (an admin may do everything support may). */
export const STAFF_ROLES = ['support', 'admin'] as const satisfies readonly Role[];
export const isStaff = (role: Role) => (STAFF_ROLES as readonly Role[]).includes(role);

/** An account as the API shows it. `tenantId`: the organizer's tenant (null for every other role). */
export const Account = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  tenantId: z.string().nullable(),
});
export type Account = z.infer<typeof Account>;

/** What login, registration and a refresh answer: a short-lived access token, the refresh token that renews it once, and the account. */
export const Session = z.object({
  token: z.string().meta({ description: 'A short-lived JWT access token: send it as Authorization: Bearer <token>' }),
  refreshToken: z.string().meta({ description: 'Renews the access token once (POST /api/auth/refresh); keep it secret' }),
  expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires' }),
  customer: Account,
});
export type Session = z.infer<typeof Session>;

/** Who a valid access token belongs to: its claims, read without a database query. */
export const Principal = z.object({ customerId: z.string(), email: z.string(), role: Role });
export type Principal = z.infer<typeof Principal>;
