"""Oracle solutions for DB Browser for SQLite tasks: SQL typed into the Execute SQL tab, then Write Changes.

The main window is maximized at 1280x720, so the tab bar and the SQL editor sit at fixed positions.
"""

from __future__ import annotations

from gym_anything import actions as A
from gym_anything.actions import MAX_TEXT
from gym_anything.authoring import OracleContext

EXECUTE_SQL_TAB = (398, 95)
SQL_EDITOR = (400, 270)


def _open_editor() -> list[dict]:
    """Switch to the Execute SQL tab and put the keyboard focus into its editor."""
    return [A.click(*EXECUTE_SQL_TAB), A.click(*SQL_EDITOR)]


def _typed(sql: str) -> list[dict]:
    """Type SQL in chunks the TYPE action accepts."""
    return [A.type(sql[i:i + MAX_TEXT]) for i in range(0, len(sql), MAX_TEXT)]


def _run(sql: str) -> list[dict]:
    """Replace the editor's text with ``sql`` and execute all of it (ctrl+Return)."""
    return [A.hotkey("ctrl", "a"), *_typed(sql), A.hotkey("ctrl", "return")]


def _solve(*statements: str) -> list[dict]:
    """Open the editor, execute each statement on its own, write the changes to disk, finish."""
    steps = _open_editor()
    for sql in statements:
        steps += _run(sql)
    return [*steps, A.hotkey("ctrl", "s"), A.done()]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def add_product(ctx: OracleContext) -> list[dict]:
    p = ctx.private
    return _solve(f"INSERT INTO products (name, category, price, stock) VALUES ({_quote(p['name'])}, "
                  f"{_quote(p['category'])}, {p['price']:.2f}, {p['stock']});")


def raise_prices(ctx: OracleContext) -> list[dict]:
    factor = 1 + ctx.params["percent"] / 100
    return _solve(f"UPDATE products SET price = ROUND(price * {factor!r}, 2) "
                  f"WHERE category = {_quote(ctx.private['category'])};")


def delete_cancelled(ctx: OracleContext) -> list[dict]:
    cutoff = ctx.private["cutoff"]
    return _solve(f"DELETE FROM orders WHERE status = 'cancelled' AND order_date < '{cutoff}';")


def category_revenue(ctx: OracleContext) -> list[dict]:
    return _solve("CREATE TABLE category_revenue (category TEXT, revenue REAL);",
                  "INSERT INTO category_revenue SELECT p.category, ROUND(SUM(o.quantity * p.price), 2) "
                  "FROM orders o JOIN products p ON p.id = o.product_id WHERE o.status = 'completed' "
                  "GROUP BY p.category;")


def top_customer(ctx: OracleContext) -> list[dict]:
    return _solve("CREATE TABLE answer (customer TEXT, total REAL);",
                  "INSERT INTO answer SELECT c.name, ROUND(SUM(o.quantity * p.price), 2) AS total "
                  "FROM orders o JOIN products p ON p.id = o.product_id "
                  "JOIN customers c ON c.id = o.customer_id "
                  "WHERE o.status = 'completed' GROUP BY c.id ORDER BY total DESC LIMIT 1;")


def stock_value(ctx: OracleContext) -> list[dict]:
    return _solve("ALTER TABLE products ADD COLUMN stock_value REAL;",
                  "UPDATE products SET stock_value = ROUND(price * stock, 2);",
                  "CREATE INDEX idx_products_category ON products (category);")


def record_orders(ctx: OracleContext) -> list[dict]:
    date = ctx.private["date"]
    statements = []
    for order in ctx.private["orders"]:
        statements.append("INSERT INTO orders (customer_id, product_id, quantity, order_date, status) VALUES "
                          f"({order['customer_id']}, {order['product_id']}, {order['quantity']}, '{date}', "
                          "'pending');")
        statements.append(f"UPDATE products SET stock = stock - {order['quantity']} "
                          f"WHERE id = {order['product_id']};")
    return _solve(*statements)


def city_view(ctx: OracleContext) -> list[dict]:
    return _solve(f"CREATE VIEW {ctx.params['view']} AS SELECT name, email FROM customers "
                  f"WHERE city = {_quote(ctx.private['city'])} ORDER BY name;")


def order_batch(ctx: OracleContext) -> list[dict]:
    """One statement per piece of paperwork, each executed on its own, ids looked up by name."""
    p = ctx.private
    statements = [f"INSERT INTO customers (name, city, email) VALUES ({_quote(n)}, {_quote(c)}, {_quote(e)});"
                  for n, c, e in p["new_customers"]]
    for order in p["orders"]:
        customer, product = _quote(order["customer"]), _quote(order["product"])
        statements += [
            "INSERT INTO orders (customer_id, product_id, quantity, order_date, status) VALUES "
            f"((SELECT id FROM customers WHERE name = {customer}), (SELECT id FROM products WHERE name = {product}), "
            f"{order['quantity']}, '{p['date']}', 'pending');",
            f"UPDATE products SET stock = stock - {order['quantity']} WHERE name = {product};"]
    statements.append(f"UPDATE orders SET status = 'shipped' WHERE id IN ({', '.join(map(str, p['shipped']))});")
    statements += [f"UPDATE products SET price = {price:.2f} WHERE id = {pid};" for pid, price in p["prices"].items()]
    statements.append(f"CREATE VIEW {ctx.params['view']} AS SELECT o.id AS order_id, c.name AS customer, "
                      "p.name AS product, o.quantity AS quantity FROM orders o "
                      "JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id "
                      "WHERE o.status = 'pending' ORDER BY o.id;")
    return _solve(*statements)
