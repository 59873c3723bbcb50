"""The orders schema of orders.yaml, as Python objects: what `schema=` accepts besides a file."""

import pandera.pandas as pa

ORDERS = pa.DataFrameSchema(
    {
        "order_id": pa.Column(int, unique=True),
        "amount": pa.Column(float, pa.Check.greater_than_or_equal_to(0)),
        "status": pa.Column(str, pa.Check.isin(["new", "paid", "shipped"])),
    }
)


class Orders(pa.DataFrameModel):
    order_id: int = pa.Field(unique=True)
    amount: float = pa.Field(ge=0)
    status: str = pa.Field(isin=["new", "paid", "shipped"])
