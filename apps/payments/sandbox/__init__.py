"""The simulated Alipay and WeChat Pay: the providers' side of a payment, in this project.

- `alipay.py` and `wechat.py` are the providers' servers: they check the merchant's
  signed requests (create, query, close, refund) and answer signed, and they build the
  signed (and, for WeChat, encrypted) notifications, exactly in the real formats.
- `trades.py` keeps the providers' records (SandboxTrade, SandboxRefund).
- `cashier.py` is what the cashier pages (apps/payments/views.py) do: pay or fail.
- `delivery.py` sends a notification to the shop's notify URL over HTTP, as a Celery
  task retried with backoff, until the shop acknowledges it.

The shop's code (services, API) never imports this package: it talks to it only through
the gateways (apps/payments/gateways), where a real SDK would make HTTPS calls instead.
"""
