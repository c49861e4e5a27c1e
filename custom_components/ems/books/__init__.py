"""The savings books: the pure ledger (`core.accounting`) fed from the house, kept in a Store."""
