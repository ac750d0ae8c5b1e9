using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Micro.Tests;

/// <summary>
/// Issue 21: one owner for each piece of state, in one file. A class split over partial files declares each field in
/// one of them, and only that file writes it (assignment, compound assignment, ++ and --); the other files call its
/// methods. Read from the sources of every framework project with Roslyn's syntax trees.
/// </summary>
public sealed class FieldOwnershipTests
{
    [Fact]
    public void No_field_is_written_outside_the_file_that_declares_it()
    {
        // Every project under framework/ (the engine, the ASP.NET Core host, OpenAPI, Redis, the analyzers and generators).
        var root = Path.Combine(Repository.Root, "framework");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(file => Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar) is [_, not ("obj" or "bin"), ..])
            .Select(file => (File: Path.GetRelativePath(root, file), Tree: CSharpSyntaxTree.ParseText(File.ReadAllText(file))))
            .ToList();
        // Per type (namespace + name), the file each field or auto-property's backing state is declared in.
        var declaredIn = new Dictionary<(string Type, string Member), string>();
        foreach (var (file, tree) in files)
        {
            foreach (var type in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
            {
                foreach (var field in type.Members.OfType<FieldDeclarationSyntax>().Where(field => !field.Modifiers.Any(SyntaxKind.ConstKeyword)))
                {
                    foreach (var variable in field.Declaration.Variables)
                    {
                        declaredIn[(Name(type), variable.Identifier.Text)] = file;
                    }
                }
            }
        }
        var violations = new List<string>();
        foreach (var (file, tree) in files)
        {
            foreach (var node in tree.GetRoot().DescendantNodes())
            {
                var target = node switch
                {
                    AssignmentExpressionSyntax assignment => assignment.Left,
                    PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } unary => unary.Operand,
                    PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression } unary => unary.Operand,
                    _ => null,
                };
                var name = target switch
                {
                    IdentifierNameSyntax identifier => identifier.Identifier.Text,
                    // this.field, or another instance's (a static callback's state cast back): only the type's own code can
                    // name its private fields, so a name it declares is its field.
                    MemberAccessExpressionSyntax member => member.Name.Identifier.Text,
                    _ => null,
                };
                if (name is null || node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type)
                {
                    continue;
                }
                if (declaredIn.TryGetValue((Name(type), name), out var owner) && owner != file)
                {
                    violations.Add($"{file}:{tree.GetLineSpan(node.Span).StartLinePosition.Line + 1} writes {Name(type)}.{name}, declared in {owner}");
                }
            }
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    private static string Name(TypeDeclarationSyntax type) =>
        $"{type.FirstAncestorOrSelf<BaseNamespaceDeclarationSyntax>()?.Name}.{string.Join(".", type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Reverse().Select(t => t.Identifier.Text))}";
}
