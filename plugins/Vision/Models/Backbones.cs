using TorchSharp;
using static TorchSharp.torch;

namespace Runner.Plugins.Vision.Models;

/// <summary>
/// The TorchVision for .NET architectures a classifier can use, by torchvision's names. Their parameters and buffers
/// have torchvision's names and shapes, so a torchvision <c>state_dict</c> loads into them as it is.
/// </summary>
internal static class Backbones
{
    /// <summary>The names <c>backbone</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "wide_resnet50_2",
        "mobilenet_v2", "vgg11", "vgg11_bn", "vgg16", "vgg16_bn", "alexnet",
    ];

    /// <summary>Builds <paramref name="name"/> with a classification layer of <paramref name="numClasses"/> outputs.</summary>
    public static nn.Module<Tensor, Tensor> Create(string name, int numClasses) => name switch
    {
        "resnet18" => torchvision.models.resnet18(num_classes: numClasses),
        "resnet34" => torchvision.models.resnet34(num_classes: numClasses),
        "resnet50" => torchvision.models.resnet50(num_classes: numClasses),
        "resnet101" => torchvision.models.resnet101(num_classes: numClasses),
        "resnet152" => torchvision.models.resnet152(num_classes: numClasses),
        "resnext50_32x4d" => torchvision.models.resnext50_32x4d(num_classes: numClasses),
        "wide_resnet50_2" => torchvision.models.wide_resnet50_2(num_classes: numClasses),
        "mobilenet_v2" => torchvision.models.mobilenet_v2(num_classes: numClasses),
        "vgg11" => torchvision.models.vgg11(num_classes: numClasses),
        "vgg11_bn" => torchvision.models.vgg11_bn(num_classes: numClasses),
        "vgg16" => torchvision.models.vgg16(num_classes: numClasses),
        "vgg16_bn" => torchvision.models.vgg16_bn(num_classes: numClasses),
        "alexnet" => torchvision.models.alexnet(num_classes: numClasses),
        _ => throw new ArgumentException($"'{name}' is not a backbone this plugin has; it has {string.Join(", ", Names)}.", "backbone"),
    };

    /// <summary>A ResNet's stages in order, for <c>frozen_stages</c>: the stem (conv1, bn1), then layer1…layer4.</summary>
    public static readonly IReadOnlyList<string[]> ResNetStages = [["conv1", "bn1"], ["layer1"], ["layer2"], ["layer3"], ["layer4"]];
}
