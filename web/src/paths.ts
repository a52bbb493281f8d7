/** "My tickets": a customer's holds, bookings and tickets in one page (/reservations, /bookings and /tickets lead here). */
export const MY_TICKETS_PATH = '/my-tickets';
