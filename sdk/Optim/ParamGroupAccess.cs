using System.Reflection;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Runner.Sdk.Optim;

/// <summary>
/// Reads and writes a named option of an optimizer's parameter groups, the way MMEngine's schedulers index
/// <c>param_groups[i][name]</c>: <c>lr</c> is the learning rate; <c>momentum</c> is SGD's or RMSprop's momentum, or
/// the first beta of Adam-style optimizers (MMEngine mirrors it into <c>betas[0]</c>); any other name is the field of
/// that name in TorchSharp's per-group options (<c>weight_decay</c>, <c>beta2</c>…).
/// </summary>
internal sealed class ParamGroupAccess
{
    private readonly List<ParamGroup> _groups;
    private readonly Dictionary<string, FieldInfo> _fields = new(StringComparer.Ordinal);

    public ParamGroupAccess(optim.Optimizer optimizer) =>
        _groups = optimizer.ParamGroups.Cast<ParamGroup>().ToList();

    public int Count => _groups.Count;

    public double Get(int group, string name) => name == "lr"
        ? _groups[group].LearningRate
        : Convert.ToDouble(Field(name).GetValue(_groups[group].Options) ?? 0.0);

    public void Set(int group, string name, double value)
    {
        if (name == "lr")
        {
            _groups[group].LearningRate = value;
            return;
        }
        Field(name).SetValue(_groups[group].Options, value);
    }

    /// <summary>Whether the optimizer has an option called <paramref name="name"/>.</summary>
    public bool Has(string name) => name == "lr" || TryField(name) is not null;

    private FieldInfo Field(string name) => TryField(name) ?? throw new ArgumentException(name == "momentum"
        ? $"optimizer must support momentum when using momentum scheduler ({_groups[0].Options.GetType().DeclaringType?.Name} has neither momentum nor betas)."
        : $"{_groups[0].Options.GetType().DeclaringType?.Name} has no option '{name}' to schedule.");

    private FieldInfo? TryField(string name)
    {
        if (_fields.TryGetValue(name, out var cached)) return cached;
        var type = _groups[0].Options.GetType();
        var field = type.GetField(name) ?? (name == "momentum" ? type.GetField("beta1") : null);
        if (field is not null && Nullable.GetUnderlyingType(field.FieldType) != typeof(double) && field.FieldType != typeof(double)) field = null;
        if (field is not null) _fields[name] = field;
        return field;
    }
}
