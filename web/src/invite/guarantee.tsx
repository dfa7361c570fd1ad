/**
 * The Direct Debit Guarantee, in the wording the scheme requires payers to be shown, with the
 * organisation's name where the scheme puts the payee's.
 */
export function DirectDebitGuarantee({ payee }: { payee: string }) {
  return (
    <section className="guarantee" aria-labelledby="guarantee-heading">
      <h2 id="guarantee-heading">The Direct Debit Guarantee</h2>
      <ul>
        <li>
          This Guarantee is offered by all banks and building societies that accept instructions to pay Direct Debits.
        </li>
        <li>
          If there are any changes to the amount, date or frequency of your Direct Debit {payee} will notify you 10
          working days in advance of your account being debited or as otherwise agreed. If you request {payee} to
          collect a payment, confirmation of the amount and date will be given to you at the time of the request.
        </li>
        <li>
          If an error is made in the payment of your Direct Debit, by {payee} or your bank or building society, you are
          entitled to a full and immediate refund of the amount paid from your bank or building society.
        </li>
        <li>If you receive a refund you are not entitled to, you must pay it back when {payee} asks you to.</li>
        <li>
          You can cancel a Direct Debit at any time by simply contacting your bank or building society. Written
          confirmation may be required. Please also notify us.
        </li>
      </ul>
    </section>
  );
}
