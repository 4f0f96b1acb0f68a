"""What leaves the product: frozen releases and the data behind the PDF reports; uses
data.store, data.accounts, data.derive and kpi/."""
