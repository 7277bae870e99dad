namespace LspCopilot.Server.Benchmarks.Soak;

/// <summary>
/// The soak's workspace: a small SDK-style project (so Roslyn loads a project with references) with
/// model classes and one service, where the typing happens. <c>$$</c> marks the empty lines, inside
/// method bodies, where a typist starts; they are removed from the text written to disk.
/// </summary>
internal static class SoakWorkspace
{
    public const string Marker = "$$";

    public const string ServicePath = "Services/OrderService.cs";

    /// <summary>Writes the project under <paramref name="folder"/>; returns the service's text (markers removed) and where each marker was.</summary>
    public static (string Text, IReadOnlyList<int> Spots) Write(string folder)
    {
        Directory.CreateDirectory(Path.Combine(folder, "Models"));
        Directory.CreateDirectory(Path.Combine(folder, "Services"));
        File.WriteAllText(Path.Combine(folder, "Soak.csproj"), BenchmarkWorkspace.ProjectFile);
        File.WriteAllText(Path.Combine(folder, "Models", "Order.cs"), Models);
        var spots = new List<int>();
        var text = Service;
        for (var at = text.IndexOf(Marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Marker, StringComparison.Ordinal))
        {
            spots.Add(at);
            text = text.Remove(at, Marker.Length);
        }

        File.WriteAllText(Path.Combine(folder, ServicePath), text);
        return (text, spots);
    }

    /// <summary>Statements a developer writes in the service's methods, typed one character at a time.</summary>
    public static IReadOnlyList<string> Statements { get; } =
    [
        "var customer = _customers.Find(order.CustomerId);",
        "if (customer is null) { throw new InvalidOperationException($\"No customer {order.CustomerId}.\"); }",
        "var total = order.Lines.Sum(line => line.UnitPrice * line.Quantity);",
        "var discount = customer.IsPreferred ? total * 0.05m : 0m;",
        "_log.Add($\"Order {order.Id}: {order.Lines.Count} lines, total {total - discount:F2}\");",
        "foreach (var line in order.Lines.Where(l => l.Quantity > 0)) { _stock.Reserve(line.Sku, line.Quantity); }",
        "order.Status = OrderStatus.Placed;",
        "var shipping = total > FreeShippingThreshold ? 0m : ShippingFee;",
        "var invoice = new Invoice(order.Id, customer.Name, total - discount + shipping);",
        "_invoices.Add(invoice);",
        "return invoice.Amount;",
    ];

    private const string Models = """
        namespace Soak.Models;

        public enum OrderStatus { Draft, Placed, Shipped, Cancelled }

        /// <summary>One line of an order: a product and how many.</summary>
        public sealed record OrderLine(string Sku, int Quantity, decimal UnitPrice);

        /// <summary>A customer's order.</summary>
        public sealed class Order
        {
            public int Id { get; init; }

            public int CustomerId { get; init; }

            public OrderStatus Status { get; set; } = OrderStatus.Draft;

            public List<OrderLine> Lines { get; } = [];

            /// <summary>The sum of the lines, before discounts and shipping.</summary>
            public decimal Subtotal() => Lines.Sum(l => l.UnitPrice * l.Quantity);
        }

        public sealed record Customer(int Id, string Name, bool IsPreferred);

        public sealed record Invoice(int OrderId, string CustomerName, decimal Amount);

        /// <summary>Customers by id.</summary>
        public sealed class CustomerDirectory
        {
            private readonly Dictionary<int, Customer> _byId = [];

            /// <summary>The customer with this id, or null.</summary>
            public Customer? Find(int id) => _byId.GetValueOrDefault(id);

            public void Add(Customer customer) => _byId[customer.Id] = customer;
        }

        /// <summary>Units on hand per product.</summary>
        public sealed class StockLedger
        {
            private readonly Dictionary<string, int> _onHand = new(StringComparer.Ordinal);

            /// <summary>Takes units out of stock for an order; throws when there are not enough.</summary>
            public void Reserve(string sku, int quantity)
            {
                var left = _onHand.GetValueOrDefault(sku) - quantity;
                if (left < 0)
                {
                    throw new InvalidOperationException($"Not enough {sku} in stock.");
                }

                _onHand[sku] = left;
            }

            public void Release(string sku, int quantity) => _onHand[sku] = _onHand.GetValueOrDefault(sku) + quantity;
        }
        """;

    private const string Service = """
        using Soak.Models;

        namespace Soak.Services;

        /// <summary>Places, prices and cancels orders.</summary>
        public sealed class OrderService
        {
            private const decimal FreeShippingThreshold = 100m;
            private const decimal ShippingFee = 4.95m;

            private readonly CustomerDirectory _customers;
            private readonly StockLedger _stock;
            private readonly List<Invoice> _invoices = [];
            private readonly List<string> _log = [];

            public OrderService(CustomerDirectory customers, StockLedger stock)
            {
                _customers = customers;
                _stock = stock;
            }

            public IReadOnlyList<Invoice> Invoices => _invoices;

            /// <summary>Places an order: reserves its stock, prices it and writes its invoice.</summary>
            public decimal PlaceOrder(Order order)
            {
                ArgumentNullException.ThrowIfNull(order);
                $$
                return 0m;
            }

            /// <summary>What the order would cost, without placing it.</summary>
            public decimal Quote(Order order)
            {
                var subtotal = order.Subtotal();
                $$
                return subtotal;
            }

            /// <summary>Cancels a placed order and gives its stock back.</summary>
            public void Cancel(Order order)
            {
                if (order.Status != OrderStatus.Placed)
                {
                    return;
                }

                $$
                order.Status = OrderStatus.Cancelled;
            }

            /// <summary>The log lines written so far.</summary>
            public string Report()
            {
                $$
                return string.Join(Environment.NewLine, _log);
            }
        }
        """;
}
