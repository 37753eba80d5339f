import type { Customer } from '../domain/order.ts';

/** Who a customer is (the user service), to greet them by name in order emails. */
export interface CustomerDirectory {
  /** The customer's email and name, or `undefined` for an unknown user id. */
  findCustomer(userId: string): Promise<Customer | undefined>;
}
