//! The template's DynamoDB tables, on a local DynamoDB-compatible server.
//!
//! The server is moto's (`moto_server`, from PyPI, installed into `.venv` by `scripts/setup`):
//! well kept, in memory, no JVM and no download beyond the package registry. Amazon's
//! DynamoDB Local would need a jar from outside the registries. `--dynamodb-endpoint` points
//! the gateway at a server you run yourself instead.
//!
//! The tables are created from the template's own `AWS::DynamoDB::Table` definitions
//! (`template::Table`), never from a second copy, and the functions reach them through
//! `AWS_ENDPOINT_URL_DYNAMODB`, as the AWS SDKs read it.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_dynamodb::Client;

use crate::template::Table;

/// The credentials the functions and the gateway sign local requests with. The local server
/// does not check them; they only keep the SDKs from looking for real ones.
pub const LOCAL_CREDENTIALS: (&str, &str) = ("local", "local");

/// A `moto_server` process on a free loopback port; killed and reaped on drop, with all its
/// data (it keeps everything in memory).
pub struct LocalServer {
    child: Child,
    pub endpoint: String,
}

impl LocalServer {
    /// Starts `moto_server` from `PATH`, else from `<project>/.venv/bin`, and waits until it
    /// accepts connections.
    pub fn start(project: &Path) -> Result<LocalServer, String> {
        let program = find_moto(project).ok_or(
            "the template declares DynamoDB tables or usage plans, which local-gateway serves \
             from moto's server, and moto_server is neither on PATH nor in .venv/bin: run \
             scripts/setup (it installs moto into .venv), or, for tables alone, pass \
             --dynamodb-endpoint URL of a DynamoDB-compatible server",
        )?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("cannot find a free loopback port: {e}"))?
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let mut server = LocalServer {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before it answered",
                    program.display()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not listen on {address} within 30 s",
                    program.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_moto(project: &Path) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain([project.join(".venv").join("bin")])
        .map(|dir| dir.join("moto_server"))
        .find(|candidate| candidate.is_file())
}

/// A client for a local endpoint, configured entirely here: no profile files, no instance
/// metadata, no real credentials.
pub fn client(endpoint: &str, region: &str) -> Client {
    let (key, secret) = LOCAL_CREDENTIALS;
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(key, secret, None, None, "local-gateway"))
        .build();
    Client::from_conf(config)
}

/// Creates each table as the template defines it (on demand billing; capacity is not
/// emulated). A table that already exists with the same key is kept with its data.
pub async fn create_tables(client: &Client, tables: &[Table]) -> Result<(), String> {
    for table in tables {
        let mut create = client
            .create_table()
            .table_name(&table.name)
            .billing_mode(BillingMode::PayPerRequest);
        for (attribute, kind) in &table.attributes {
            create = create.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attribute)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()
                    .map_err(|e| format!("table {}: {e}", table.logical_id))?,
            );
        }
        for (attribute, kind) in &table.key_schema {
            create = create.key_schema(
                KeySchemaElement::builder()
                    .attribute_name(attribute)
                    .key_type(KeyType::from(kind.as_str()))
                    .build()
                    .map_err(|e| format!("table {}: {e}", table.logical_id))?,
            );
        }
        match create.send().await {
            Ok(_) => {}
            Err(e) if e.code() == Some("ResourceInUseException") => {
                check_existing(client, table).await?;
            }
            Err(e) => {
                return Err(format!(
                    "table {}: cannot create {}: {}",
                    table.logical_id,
                    table.name,
                    DisplayErrorContext(&e)
                ))
            }
        }
    }
    Ok(())
}

/// An existing table is reused only if its key is the template's.
async fn check_existing(client: &Client, table: &Table) -> Result<(), String> {
    let key = key_schema(client, &table.name)
        .await
        .map_err(|e| format!("table {}: {e}", table.logical_id))?;
    if key != table.key_schema {
        return Err(format!(
            "table {}: {} already exists on the endpoint with the key {key:?}, not the template's {:?}; delete it or use another endpoint",
            table.logical_id, table.name, table.key_schema
        ));
    }
    Ok(())
}

/// A table's key as the server describes it: (attribute, `HASH` or `RANGE`), as in
/// `template::Table::key_schema`.
pub async fn key_schema(client: &Client, table: &str) -> Result<Vec<(String, String)>, String> {
    let described = client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .map_err(|e| DisplayErrorContext(&e).to_string())?;
    Ok(described
        .table()
        .map(|t| t.key_schema())
        .unwrap_or_default()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_string(),
                k.key_type().as_str().to_string(),
            )
        })
        .collect())
}
