/**
 * CloudFormation transforms (macros): a template whose `Transform` runs a macro other than SAM or
 * AWS::LanguageExtensions, or whose Resources include a snippet with `Fn::Transform`, has no source
 * patched; a resource holding an `Fn::Transform` is not patched, the others are; SAM functions'
 * `Policies` are reported (SAM writes that role).
 */
import { describe, expect, it } from 'vitest';
import { locateCloudFormation } from './cloudformation.js';

const ROLE = (id: string, extra = '') => `  ${id}:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
${extra}      Policies:
        - PolicyName: ${id}-s3
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: ['s3:GetObject', 's3:PutObject']
                Resource: '*'
`;

function read(template: string) {
  const r = locateCloudFormation('/t/template.yaml', template);
  return {
    sources: r.sources.map((s) => s.address),
    unsupported: r.unsupported.map((u) => `${u.line} ${u.what}: ${u.reason}`),
  };
}

describe('CloudFormation transforms', () => {
  it('without a transform, both roles are sources (the control)', () => {
    const r = read(`Resources:\n${ROLE('A')}${ROLE('B')}`);
    expect(r.sources).toEqual(['Resources.A.Policies[0]', 'Resources.B.Policies[0]']);
    expect(r.unsupported).toEqual([]);
  });

  it('SAM and AWS::LanguageExtensions leave IAM resources as written', () => {
    for (const t of [
      'Transform: AWS::Serverless-2016-10-31',
      'Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]',
    ]) {
      const r = read(`${t}\nResources:\n${ROLE('A')}`);
      expect(r.sources).toEqual(['Resources.A.Policies[0]']);
      expect(r.unsupported).toEqual([]);
    }
  });

  it('another macro stops every source of the template, each with its line', () => {
    const r = read(
      `Transform: [AWS::Serverless-2016-10-31, CompanyTagger]\nResources:\n${ROLE('A')}${ROLE('B')}`,
    );
    expect(r.sources).toEqual([]);
    const reason =
      "the template's Transform runs CompanyTagger, which may rewrite its IAM resources before they are deployed; not patched (only AWS::Serverless-2016-10-31 and AWS::LanguageExtensions are known to leave them as written)";
    expect(r.unsupported).toEqual([
      `4 Resources.A.Policies[0]: ${reason}`,
      `16 Resources.B.Policies[0]: ${reason}`,
    ]);
    const computed = read(`Transform: !Ref Macro\nResources:\n${ROLE('A')}`);
    expect(computed.sources).toEqual([]);
    expect(computed.unsupported[0]).toContain('(a value that is not a literal name)');
  });

  it('a resource with Fn::Transform (long or short form) is not patched; the others are', () => {
    const long = read(
      `Resources:\n${ROLE('A', "      Fn::Transform:\n        Name: AWS::Include\n        Parameters: { Location: 's3://b/k' }\n")}${ROLE('B')}`,
    );
    expect(long.sources).toEqual(['Resources.B.Policies[0]']);
    expect(long.unsupported).toEqual([
      '3 Resources.A.Policies[0]: Resources.A holds an Fn::Transform, which may rewrite it before deployment; not patched',
    ]);
    const short = read(
      `Resources:\n${ROLE('A')}${ROLE('B', '      Tags: !Transform { Name: Tagger, Parameters: {} }\n')}`,
    );
    expect(short.sources).toEqual(['Resources.A.Policies[0]']);
    expect(short.unsupported).toHaveLength(1);
    expect(short.unsupported[0]).toMatch(/^\d+ Resources\.B\.Policies\[0\]: Resources\.B holds/);
  });

  it('a snippet included into Resources stops every source', () => {
    const r = read(
      `Resources:\n  Fn::Transform:\n    Name: AWS::Include\n    Parameters: { Location: 's3://b/k' }\n${ROLE('A')}`,
    );
    expect(r.sources).toEqual([]);
    expect(r.unsupported).toEqual([
      '6 Resources.A.Policies[0]: Resources includes a snippet with Fn::Transform (AWS::Include or a macro), which may add or rewrite IAM resources before deployment; not patched',
    ]);
  });

  it('reports the Policies of a SAM function (SAM writes its role)', () => {
    const r = read(`Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Policies:
        - S3ReadPolicy: { BucketName: b }
  Plain:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
`);
    expect(r.sources).toEqual([]);
    expect(r.unsupported).toEqual([
      '9 Resources.Fn.Policies: SAM writes the role of this Function from its Policies (policy templates, managed policy names and statements); not rewritten (declare the role as an AWS::IAM::Role and set Role to have it patched)',
    ]);
  });
});
